/**
 * The Pod Security Standards checks, ported from k8s.io/pod-security-admission (policy/check_*.go at
 * v0.37.0-alpha.2, policy version v1.37). Each check keeps upstream's ID, its versions, and the exact
 * reason and detail texts, because users recognise the API server's messages.
 *
 * The functions read plain objects (a pod's metadata and spec as they appear in a manifest) and
 * never trust their shape: a manifest that fails schema validation must not crash the gate.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped input, read defensively */

export type Level = 'baseline' | 'restricted';

export interface CheckResult {
  readonly allowed: boolean;
  readonly reason?: string;
  readonly detail?: string;
}

/** One version of a check: in force from `minVersion` (the minor of v1.x) until a newer version replaces it. */
interface CheckVersion {
  readonly minVersion: number;
  readonly evaluate: (metadata: any, spec: any) => CheckResult;
  /** Checks this one replaces at the restricted level. */
  readonly overrides?: readonly string[];
}

export interface Check {
  readonly id: string;
  readonly level: Level;
  readonly versions: readonly CheckVersion[];
}

const ALLOWED: CheckResult = { allowed: true };

const forbid = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });
const pluralize = (singular: string, plural: string, count: number) => (count === 1 ? singular : plural);
/** upstream's joinQuote: `"a", "b"`, by concatenation (quotes inside items are not escaped). */
const joinQuote = (items: readonly string[]) => (items.length === 0 ? '' : `"${items.map(String).join('", "')}"`);
/** Go's sets.NewString(...).List(): distinct, sorted by byte value. */
const sortedSet = (items: Iterable<string>) => [...new Set(items)].sort();
const containersPhrase = (names: readonly string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

function object(value: unknown): any {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}
function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** initContainers, then containers, then ephemeralContainers: upstream's visiting order. */
function visitContainers(spec: any): any[] {
  return [...list(spec?.initContainers), ...list(spec?.containers), ...list(spec?.ephemeralContainers)].filter((c) => object(c));
}

const securityContext = (holder: any) => object(holder?.securityContext);
const isWindowsPod = (spec: any) => object(spec?.os)?.name === 'windows';
/** `hostUsers: false`: the pod runs in its own user namespace. */
const isUserNamespacePod = (spec: any) => spec?.hostUsers === false;

// --- baseline --------------------------------------------------------------------------------

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmorType = (type: unknown) => type === 'RuntimeDefault' || type === 'Localhost';
const allowedAppArmorAnnotation = (value: unknown) => value === '' || value === 'runtime/default' || (typeof value === 'string' && value.startsWith('localhost/'));

function appArmorProfile(metadata: any, spec: any): CheckResult {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = object(securityContext(spec)?.appArmorProfile);
  if (podProfile && !allowedAppArmorType(podProfile.type)) {
    badSetters.push('pod');
    badValues.add(String(podProfile.type ?? ''));
  }
  const badContainers: string[] = [];
  for (const container of visitContainers(spec)) {
    const profile = object(securityContext(container)?.appArmorProfile);
    if (profile && !allowedAppArmorType(profile.type)) {
      badContainers.push(container.name);
      badValues.add(String(profile.type ?? ''));
    }
  }
  if (badContainers.length > 0) badSetters.push(containersPhrase(badContainers));
  const forbiddenAnnotations = Object.entries(object(metadata?.annotations) ?? {})
    .filter(([key, value]) => key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(value))
    .map(([key, value]) => `${key}=${JSON.stringify(String(value))}`)
    .sort();
  const badValueList = [...sortedSet(badValues), ...forbiddenAnnotations];
  if (forbiddenAnnotations.length > 0) badSetters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  if (badSetters.length === 0) return ALLOWED;
  return forbid(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', badValueList.length),
    `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(badValueList)}`,
  );
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP',
  'SETUID', 'SYS_CHROOT',
]);

function capabilitiesBaseline(_metadata: any, spec: any): CheckResult {
  const badContainers: string[] = [];
  const nonDefault = new Set<string>();
  for (const container of visitContainers(spec)) {
    const added = list(object(securityContext(container)?.capabilities)?.add).map(String);
    const bad = added.filter((capability) => !BASELINE_CAPABILITIES.has(capability));
    bad.forEach((capability) => nonDefault.add(capability));
    if (bad.length > 0) badContainers.push(container.name);
  }
  if (badContainers.length === 0) return ALLOWED;
  return forbid('non-default capabilities',
    `${containersPhrase(badContainers)} must not include ${joinQuote(sortedSet(nonDefault))} in securityContext.capabilities.add`);
}

function hostNamespaces(_metadata: any, spec: any): CheckResult {
  const used = [
    ...(spec?.hostNetwork === true ? ['hostNetwork=true'] : []),
    ...(spec?.hostPID === true ? ['hostPID=true'] : []),
    ...(spec?.hostIPC === true ? ['hostIPC=true'] : []),
  ];
  return used.length === 0 ? ALLOWED : forbid('host namespaces', used.join(', '));
}

function hostPathVolumes(_metadata: any, spec: any): CheckResult {
  const bad = list(spec?.volumes).filter((volume) => object(volume)?.hostPath !== undefined).map((volume) => String(volume.name));
  return bad.length === 0 ? ALLOWED : forbid('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`);
}

function hostPorts(_metadata: any, spec: any): CheckResult {
  const badContainers: string[] = [];
  const ports = new Set<string>();
  for (const container of visitContainers(spec)) {
    const used = list(container.ports)
      .map((port) => object(port)?.hostPort)
      .filter((hostPort) => hostPort !== undefined && hostPort !== null && hostPort !== 0);
    used.forEach((hostPort) => ports.add(String(hostPort)));
    if (used.length > 0) badContainers.push(container.name);
  }
  if (badContainers.length === 0) return ALLOWED;
  const sortedPorts = sortedSet(ports);
  return forbid('hostPort', `${containersPhrase(badContainers)} ${pluralize('uses', 'use', badContainers.length)} `
    + `${pluralize('hostPort', 'hostPorts', sortedPorts.length)} ${sortedPorts.join(', ')}`);
}

function hostProbesAndHostLifecycle(_metadata: any, spec: any): CheckResult {
  const badContainers = new Set<string>();
  const hosts = new Set<string>();
  for (const container of visitContainers(spec)) {
    const handlers = [
      container.livenessProbe, container.readinessProbe, container.startupProbe,
      object(container.lifecycle)?.postStart, object(container.lifecycle)?.preStop,
    ].map(object).filter(Boolean);
    for (const handler of handlers) {
      for (const action of [object(handler.httpGet), object(handler.tcpSocket)]) {
        if (typeof action?.host === 'string' && action.host !== '') {
          badContainers.add(container.name);
          hosts.add(action.host);
        }
      }
    }
  }
  if (badContainers.size === 0) return ALLOWED;
  const names = sortedSet(badContainers);
  const hostList = sortedSet(hosts);
  return forbid('probe or lifecycle host', `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} `
    + `${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hostList.length)} ${joinQuote(hostList)}`);
}

function privileged(_metadata: any, spec: any): CheckResult {
  const bad = visitContainers(spec).filter((container) => securityContext(container)?.privileged === true).map((c) => c.name);
  return bad.length === 0 ? ALLOWED : forbid('privileged', `${containersPhrase(bad)} must not set securityContext.privileged=true`);
}

function procMountDefaultOnly(_metadata: any, spec: any): CheckResult {
  const badContainers: string[] = [];
  const types = new Set<string>();
  for (const container of visitContainers(spec)) {
    const procMount = securityContext(container)?.procMount;
    if (procMount !== undefined && procMount !== null && procMount !== 'Default') {
      badContainers.push(container.name);
      types.add(String(procMount));
    }
  }
  if (badContainers.length === 0) return ALLOWED;
  return forbid('procMount', `${containersPhrase(badContainers)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`);
}

function procMountBaseline135(metadata: any, spec: any): CheckResult {
  return isUserNamespacePod(spec) ? ALLOWED : procMountDefaultOnly(metadata, spec);
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

function seLinuxOptions(validTypes: ReadonlySet<string>) {
  return (_metadata: any, spec: any): CheckResult => {
    const badSetters: string[] = [];
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (options: any) => {
      let ok = true;
      const type = typeof options.type === 'string' ? options.type : '';
      if (!validTypes.has(type)) {
        ok = false;
        badTypes.add(type);
      }
      if (typeof options.user === 'string' && options.user.length > 0) {
        ok = false;
        setUser = true;
      }
      if (typeof options.role === 'string' && options.role.length > 0) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podOptions = object(securityContext(spec)?.seLinuxOptions);
    if (podOptions && !valid(podOptions)) badSetters.push('pod');
    const badContainers = visitContainers(spec)
      .filter((container) => {
        const options = object(securityContext(container)?.seLinuxOptions);
        return options !== undefined && !valid(options);
      })
      .map((c) => c.name);
    if (badContainers.length > 0) badSetters.push(containersPhrase(badContainers));
    if (badSetters.length === 0) return ALLOWED;
    const types = sortedSet(badTypes);
    const parts = [
      ...(types.length > 0 ? [`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`] : []),
      ...(setUser ? ['user may not be set'] : []),
      ...(setRole ? ['role may not be set'] : []),
    ];
    return forbid('seLinuxOptions', `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${parts.join('; ')}`);
  };
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccompAnnotation = (value: unknown) => value === 'runtime/default' || value === 'docker/default'
  || (typeof value === 'string' && value.startsWith('localhost/'));
const validSeccompType = (type: unknown) => type === 'RuntimeDefault' || type === 'Localhost';

function seccompProfileBaseline10(metadata: any, spec: any): CheckResult {
  const annotations = object(metadata?.annotations) ?? {};
  const forbidden = new Set<string>();
  const inspect = (key: string) => {
    if (key in annotations && !validSeccompAnnotation(annotations[key])) forbidden.add(`${key}=${JSON.stringify(String(annotations[key]))}`);
  };
  inspect(SECCOMP_POD_ANNOTATION);
  for (const container of visitContainers(spec)) inspect(`${SECCOMP_CONTAINER_ANNOTATION_PREFIX}${container.name}`);
  if (forbidden.size === 0) return ALLOWED;
  return forbid('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sortedSet(forbidden).join(', ')}`);
}

function seccompProfileBaseline119(_metadata: any, spec: any): CheckResult {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = object(securityContext(spec)?.seccompProfile);
  if (podProfile && !validSeccompType(podProfile.type)) {
    badSetters.push('pod');
    badValues.add(String(podProfile.type ?? ''));
  }
  const badContainers: string[] = [];
  for (const container of visitContainers(spec)) {
    const profile = object(securityContext(container)?.seccompProfile);
    if (profile && !validSeccompType(profile.type)) {
      badContainers.push(container.name);
      badValues.add(String(profile.type ?? ''));
    }
  }
  if (badContainers.length > 0) badSetters.push(containersPhrase(badContainers));
  if (badSetters.length === 0) return ALLOWED;
  return forbid('seccompProfile', `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
}

const SAFE_SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start'];
const SAFE_SYSCTLS_1_27 = [...SAFE_SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SAFE_SYSCTLS_1_29 = [...SAFE_SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes'];
const SAFE_SYSCTLS_1_32 = [...SAFE_SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SAFE_SYSCTLS_1_37 = [...SAFE_SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

function sysctls(allowed: readonly string[]) {
  const allowedSet = new Set(allowed);
  return (_metadata: any, spec: any): CheckResult => {
    const bad = list(securityContext(spec)?.sysctls).map((sysctl) => String(object(sysctl)?.name)).filter((name) => !allowedSet.has(name));
    return bad.length === 0 ? ALLOWED : forbid('forbidden sysctls', bad.join(', '));
  };
}

function windowsHostProcess(_metadata: any, spec: any): CheckResult {
  const setters: string[] = [];
  if (object(securityContext(spec)?.windowsOptions)?.hostProcess === true) setters.push('pod');
  const bad = visitContainers(spec).filter((c) => object(securityContext(c)?.windowsOptions)?.hostProcess === true).map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return setters.length === 0 ? ALLOWED : forbid('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
}

// --- restricted ------------------------------------------------------------------------------

function allowPrivilegeEscalation(_metadata: any, spec: any): CheckResult {
  const bad = visitContainers(spec).filter((c) => securityContext(c)?.allowPrivilegeEscalation !== false).map((c) => c.name);
  return bad.length === 0 ? ALLOWED : forbid('allowPrivilegeEscalation != false', `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`);
}

type Evaluate = (metadata: any, spec: any) => CheckResult;
/** From v1.25, pods with `spec.os.name: windows` skip the Linux-only restricted checks. */
const skipWindows = (check: Evaluate): Evaluate => (metadata, spec) => (isWindowsPod(spec) ? ALLOWED : check(metadata, spec));
/** From v1.35, pods in their own user namespace (`hostUsers: false`) skip the root-related checks. */
const skipUserNamespace = (check: Evaluate): Evaluate => (metadata, spec) => (isUserNamespacePod(spec) ? ALLOWED : check(metadata, spec));

function capabilitiesRestricted(_metadata: any, spec: any): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden = new Set<string>();
  for (const container of visitContainers(spec)) {
    const capabilities = object(securityContext(container)?.capabilities);
    if (!capabilities) {
      missingDropAll.push(container.name);
      continue;
    }
    if (!list(capabilities.drop).includes('ALL')) missingDropAll.push(container.name);
    const bad = list(capabilities.add).map(String).filter((capability) => capability !== 'NET_BIND_SERVICE');
    bad.forEach((capability) => forbidden.add(capability));
    if (bad.length > 0) addingForbidden.push(container.name);
  }
  const details = [
    ...(missingDropAll.length > 0 ? [`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`] : []),
    ...(addingForbidden.length > 0
      ? [`${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`]
      : []),
  ];
  return details.length === 0 ? ALLOWED : forbid('unrestricted capabilities', details.join('; '));
}

const RESTRICTED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
const NAMED_VOLUME_SOURCES = ['hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume',
  'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO',
  'storageos'];

function restrictedVolumes(_metadata: any, spec: any): CheckResult {
  const badVolumes: string[] = [];
  const badTypes = new Set<string>();
  for (const volume of list(spec?.volumes).map(object).filter(Boolean)) {
    const sources = Object.keys(volume).filter((key) => key !== 'name');
    // The API server defaults a volume without a source to emptyDir before admission runs.
    if (sources.length === 0 || RESTRICTED_VOLUME_SOURCES.some((source) => volume[source] !== undefined)) continue;
    badVolumes.push(String(volume.name));
    badTypes.add(NAMED_VOLUME_SOURCES.find((source) => volume[source] !== undefined) ?? 'unknown');
  }
  if (badVolumes.length === 0) return ALLOWED;
  const types = sortedSet(badTypes);
  return forbid('restricted volume types', `${pluralize('volume', 'volumes', badVolumes.length)} ${joinQuote(badVolumes)} `
    + `${pluralize('uses', 'use', badVolumes.length)} ${pluralize('restricted volume type', 'restricted volume types', types.length)} ${joinQuote(types)}`);
}

function runAsNonRoot(_metadata: any, spec: any): CheckResult {
  const badSetters: string[] = [];
  let podRunAsNonRoot = false;
  const podValue = securityContext(spec)?.runAsNonRoot;
  if (podValue === false) badSetters.push('pod');
  if (podValue === true) podRunAsNonRoot = true;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const container of visitContainers(spec)) {
    const value = securityContext(container)?.runAsNonRoot;
    if (value === true || value === false) {
      if (value === false) explicitlyBad.push(container.name);
    } else if (!podRunAsNonRoot) {
      implicitlyBad.push(container.name);
    }
  }
  if (explicitlyBad.length > 0) badSetters.push(containersPhrase(explicitlyBad));
  if (badSetters.length > 0) return forbid('runAsNonRoot != true', `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicitlyBad.length > 0) return forbid('runAsNonRoot != true', `pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

function runAsUser(_metadata: any, spec: any): CheckResult {
  const setters: string[] = [];
  if (securityContext(spec)?.runAsUser === 0) setters.push('pod');
  const bad = visitContainers(spec).filter((c) => securityContext(c)?.runAsUser === 0).map((c) => c.name);
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return setters.length === 0 ? ALLOWED : forbid('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`);
}

function seccompProfileRestricted(_metadata: any, spec: any): CheckResult {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  let podSeccompSet = false;
  const podProfile = object(securityContext(spec)?.seccompProfile);
  if (podProfile) {
    if (validSeccompType(podProfile.type)) {
      podSeccompSet = true;
    } else {
      badSetters.push('pod');
      badValues.add(String(podProfile.type ?? ''));
    }
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const container of visitContainers(spec)) {
    const profile = object(securityContext(container)?.seccompProfile);
    if (profile) {
      if (!validSeccompType(profile.type)) {
        explicitlyBad.push(container.name);
        badValues.add(String(profile.type ?? ''));
      }
    } else if (!podSeccompSet) {
      implicitlyBad.push(container.name);
    }
  }
  if (explicitlyBad.length > 0) badSetters.push(containersPhrase(explicitlyBad));
  if (badSetters.length > 0) {
    return forbid('seccompProfile', `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
  }
  if (implicitlyBad.length > 0) {
    return forbid('seccompProfile', `pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  }
  return ALLOWED;
}

/** Every check, with the policy versions at which its behaviour changed. */
export const CHECKS: readonly Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minVersion: 0, evaluate: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ minVersion: 0, evaluate: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minVersion: 0, evaluate: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minVersion: 0, evaluate: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minVersion: 0, evaluate: hostPorts }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ minVersion: 34, evaluate: hostProbesAndHostLifecycle }] },
  { id: 'privileged', level: 'baseline', versions: [{ minVersion: 0, evaluate: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ minVersion: 0, evaluate: procMountDefaultOnly }, { minVersion: 35, evaluate: procMountBaseline135 }] },
  {
    id: 'seLinuxOptions', level: 'baseline',
    versions: [{ minVersion: 0, evaluate: seLinuxOptions(SELINUX_TYPES_1_0) }, { minVersion: 31, evaluate: seLinuxOptions(SELINUX_TYPES_1_31) }],
  },
  {
    id: 'seccompProfile_baseline', level: 'baseline',
    versions: [{ minVersion: 0, evaluate: seccompProfileBaseline10 }, { minVersion: 19, evaluate: seccompProfileBaseline119 }],
  },
  {
    id: 'sysctls', level: 'baseline',
    versions: [
      { minVersion: 0, evaluate: sysctls(SAFE_SYSCTLS_1_0) }, { minVersion: 27, evaluate: sysctls(SAFE_SYSCTLS_1_27) },
      { minVersion: 29, evaluate: sysctls(SAFE_SYSCTLS_1_29) }, { minVersion: 32, evaluate: sysctls(SAFE_SYSCTLS_1_32) },
      { minVersion: 37, evaluate: sysctls(SAFE_SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minVersion: 0, evaluate: windowsHostProcess }] },
  {
    id: 'allowPrivilegeEscalation', level: 'restricted',
    versions: [{ minVersion: 8, evaluate: allowPrivilegeEscalation }, { minVersion: 25, evaluate: skipWindows(allowPrivilegeEscalation) }],
  },
  {
    id: 'capabilities_restricted', level: 'restricted',
    versions: [
      { minVersion: 22, evaluate: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { minVersion: 25, evaluate: skipWindows(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ minVersion: 35, evaluate: procMountDefaultOnly, overrides: ['procMount'] }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ minVersion: 0, evaluate: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  {
    id: 'runAsNonRoot', level: 'restricted',
    versions: [{ minVersion: 0, evaluate: runAsNonRoot }, { minVersion: 35, evaluate: skipUserNamespace(runAsNonRoot) }],
  },
  {
    id: 'runAsUser', level: 'restricted',
    versions: [{ minVersion: 23, evaluate: runAsUser }, { minVersion: 35, evaluate: skipUserNamespace(runAsUser) }],
  },
  {
    id: 'seccompProfile_restricted', level: 'restricted',
    versions: [
      { minVersion: 19, evaluate: seccompProfileRestricted, overrides: ['seccompProfile_baseline'] },
      { minVersion: 25, evaluate: skipWindows(seccompProfileRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
];
