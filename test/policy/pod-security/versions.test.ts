/**
 * Our own cases for what changes between policy versions, and for the exact message format. The
 * versions and rules come from k8s.io/pod-security-admission policy/check_*.go (see notes in README).
 */
import { checksFor, enforcePolicy, evaluatePod, violationMessage } from '../../../policy/pod-security/evaluate';

const ns = (level: string, version?: string) => ({
  'pod-security.kubernetes.io/enforce': level,
  ...(version === undefined ? {} : { 'pod-security.kubernetes.io/enforce-version': version }),
});

/** A pod that passes restricted at every version. */
function restrictedPod(overrides: { spec?: Record<string, unknown>; container?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}) {
  return {
    metadata: overrides.metadata ?? {},
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'app', image: 'app:1',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        ...overrides.container,
      }],
      ...overrides.spec,
    },
  };
}

function verdict(labels: Record<string, string>, pod: { metadata: unknown; spec: unknown }, maxMinor?: number) {
  const policy = enforcePolicy(labels, maxMinor);
  const violations = evaluatePod(policy, pod.metadata, pod.spec);
  return { ids: violations.map((v) => v.checkId), message: violationMessage(policy, violations), policy };
}

describe('version resolution', () => {
  test('a missing or `latest` version means the newest policy, printed as latest', () => {
    expect(enforcePolicy(ns('restricted'))).toEqual({ level: 'restricted', minor: 37, versionLabel: 'latest' });
    expect(enforcePolicy(ns('restricted', 'latest'))).toEqual({ level: 'restricted', minor: 37, versionLabel: 'latest' });
  });

  test('a version newer than the newest known is evaluated as the newest, and printed as written', () => {
    expect(enforcePolicy(ns('baseline', 'v1.99'))).toEqual({ level: 'baseline', minor: 37, versionLabel: 'v1.99' });
  });

  test('the API server\'s own version caps every label (emulation version)', () => {
    expect(enforcePolicy(ns('baseline', 'v1.37'), 33).minor).toBe(33);
    expect(enforcePolicy(ns('baseline'), 33).minor).toBe(33);
    const probe = restrictedPod({ container: { readinessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } } });
    expect(verdict(ns('baseline', 'v1.37'), probe, 33).ids).toEqual([]);
    expect(verdict(ns('baseline', 'v1.37'), probe).ids).toEqual(['hostProbesAndHostLifecycle']);
  });

  test('an unlabelled namespace is privileged; a bad level fails closed to restricted; a bad version means latest', () => {
    expect(enforcePolicy(undefined).level).toBe('privileged');
    expect(enforcePolicy({}).level).toBe('privileged');
    expect(enforcePolicy(ns('Restricted')).level).toBe('restricted');
    expect(enforcePolicy(ns('baseline', '1.25'))).toMatchObject({ minor: 37, versionLabel: 'latest' });
    expect(enforcePolicy(ns('baseline', 'v1.025')).versionLabel).toBe('latest');
  });

  test('a version without a row behaves like the row before it (v1.26 is v1.25)', () => {
    expect(checksFor('restricted', 26).map((c) => c.id)).toEqual(checksFor('restricted', 25).map((c) => c.id));
  });
});

describe('what each version changes', () => {
  test('v1.8 adds allowPrivilegeEscalation to restricted', () => {
    const pod = restrictedPod({ container: { securityContext: { capabilities: { drop: ['ALL'] } } } });
    expect(verdict(ns('restricted', 'v1.7'), pod).ids).toEqual([]);
    expect(verdict(ns('restricted', 'v1.8'), pod).ids).toEqual(['allowPrivilegeEscalation']);
  });

  test('v1.19 moves seccomp from annotations to fields', () => {
    const annotated = restrictedPod({ spec: { securityContext: { runAsNonRoot: true } }, metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } } });
    expect(verdict(ns('baseline', 'v1.18'), annotated).message)
      .toBe('violates PodSecurity "baseline:v1.18": seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")');
    expect(verdict(ns('baseline', 'v1.19'), annotated).ids).toEqual([]);
    const unconfined = restrictedPod({ spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } } });
    expect(verdict(ns('baseline', 'v1.18'), unconfined).ids).toEqual([]);
    expect(verdict(ns('baseline', 'v1.19'), unconfined).message)
      .toBe('violates PodSecurity "baseline:v1.19": seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")');
  });

  test('the motivating incident: restricted without a seccomp profile', () => {
    const pod = restrictedPod({ spec: { securityContext: { runAsNonRoot: true } } });
    expect(verdict(ns('restricted', 'v1.28'), pod).message)
      .toBe('violates PodSecurity "restricted:v1.28": seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    expect(verdict(ns('restricted', 'v1.18'), pod).ids).toEqual([]);
  });

  test('v1.22 replaces the baseline capability list with drop ALL in restricted', () => {
    const chown = restrictedPod({ container: { securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['CHOWN'] } } } });
    expect(verdict(ns('restricted', 'v1.21'), chown).ids).toEqual([]);
    expect(verdict(ns('restricted', 'v1.22'), chown).message).toBe('violates PodSecurity "restricted:v1.22": unrestricted capabilities '
      + '(container "app" must set securityContext.capabilities.drop=["ALL"]; container "app" must not include "CHOWN" in securityContext.capabilities.add)');
    expect(verdict(ns('baseline', 'v1.22'), chown).ids).toEqual([]);
  });

  test('v1.23 adds runAsUser=0 to restricted', () => {
    const root = restrictedPod({ container: { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 0 } } });
    expect(verdict(ns('restricted', 'v1.22'), root).ids).toEqual([]);
    expect(verdict(ns('restricted', 'v1.23'), root).message).toBe('violates PodSecurity "restricted:v1.23": runAsUser=0 (container "app" must not set runAsUser=0)');
  });

  test('v1.25 lets Windows pods skip the Linux-only checks, but not runAsNonRoot', () => {
    const windows = { metadata: {}, spec: { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'app:1' }] } };
    expect(verdict(ns('restricted', 'v1.24'), windows).ids).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'seccompProfile_restricted']);
    expect(verdict(ns('restricted', 'v1.25'), windows).ids).toEqual([]);
    const rootWindows = { ...windows, spec: { ...windows.spec, securityContext: {} } };
    expect(verdict(ns('restricted', 'v1.25'), rootWindows).ids).toEqual(['runAsNonRoot']);
  });

  test.each([
    ['net.ipv4.ip_local_reserved_ports', 27], ['net.ipv4.tcp_keepalive_time', 29], ['net.ipv4.tcp_rmem', 32], ['net.ipv4.tcp_notsent_lowat', 37],
  ])('sysctl %s becomes safe at v1.%i', (sysctl, minor) => {
    const pod = restrictedPod({ spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: sysctl, value: '1' }] } } });
    expect(verdict(ns('baseline', `v1.${minor - 1}`), pod).message).toBe(`violates PodSecurity "baseline:v1.${minor - 1}": forbidden sysctls (${sysctl})`);
    expect(verdict(ns('baseline', `v1.${minor}`), pod).ids).toEqual([]);
  });

  test('v1.31 allows the SELinux type container_engine_t', () => {
    const pod = restrictedPod({ container: { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seLinuxOptions: { type: 'container_engine_t' } } } });
    expect(verdict(ns('baseline', 'v1.30'), pod).message)
      .toBe('violates PodSecurity "baseline:v1.30": seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t")');
    expect(verdict(ns('baseline', 'v1.31'), pod).ids).toEqual([]);
  });

  test('v1.34 adds hostProbesAndHostLifecycle, with sorted container names', () => {
    const pod = {
      metadata: {},
      spec: {
        containers: [
          { name: 'zeta', image: 'a:1', livenessProbe: { tcpSocket: { host: '10.0.0.2', port: 1 } } },
          { name: 'alpha', image: 'a:1', lifecycle: { preStop: { httpGet: { host: '10.0.0.1', port: 1 } } } },
        ],
      },
    };
    expect(verdict(ns('baseline', 'v1.33'), pod).ids).toEqual([]);
    expect(verdict(ns('baseline', 'v1.34'), pod).message)
      .toBe('violates PodSecurity "baseline:v1.34": probe or lifecycle host (containers "alpha", "zeta" use probe or lifecycle hosts "10.0.0.1", "10.0.0.2")');
  });

  test('v1.35 relaxes root checks for user-namespace pods, but restricted still forbids an unmasked /proc', () => {
    const userns = { metadata: {}, spec: { hostUsers: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0 },
      containers: [{ name: 'app', image: 'a:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, procMount: 'Unmasked' } }] } };
    expect(verdict(ns('restricted', 'v1.34'), userns).ids).toEqual(['procMount', 'runAsNonRoot', 'runAsUser']);
    expect(verdict(ns('restricted', 'v1.35'), userns).ids).toEqual(['procMount_restricted']);
    expect(verdict(ns('baseline', 'v1.35'), userns).ids).toEqual([]);
    expect(verdict(ns('baseline', 'v1.34'), userns).ids).toEqual(['procMount']);
  });
});

describe('messages', () => {
  test('list baseline checks before restricted ones, each group in byte order, joined by ", "', () => {
    const pod = { metadata: {}, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'a:1', securityContext: { privileged: true } }] } };
    expect(verdict(ns('restricted', 'v1.33'), pod).message).toBe('violates PodSecurity "restricted:v1.33": host namespaces (hostNetwork=true), '
      + 'privileged (container "a" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "a" must set '
      + 'securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]), '
      + 'runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "a" must set '
      + 'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  });

  test('a Tailscale-style router fails baseline three ways and is fine only under privileged', () => {
    const router = { metadata: {}, spec: { hostNetwork: true, volumes: [{ name: 'tun', hostPath: { path: '/dev/net/tun' } }],
      containers: [{ name: 'tailscale', image: 't:1', securityContext: { privileged: true } }] } };
    expect(verdict(ns('baseline', 'v1.33'), router).ids).toEqual(['hostNamespaces', 'hostPathVolumes', 'privileged']);
    expect(verdict(ns('restricted', 'v1.33'), router).ids).toContain('restrictedVolumes');
    expect(verdict(ns('restricted', 'v1.33'), router).ids).not.toContain('hostPathVolumes');
    expect(verdict(ns('privileged', 'v1.33'), router).ids).toEqual([]);
  });

  test('pod-level runAsNonRoot: true with one container saying false fails; explicit false wins over unset', () => {
    const pod = { metadata: {}, spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [
      { name: 'a', image: 'a:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: false } },
    ] } };
    expect(verdict(ns('restricted', 'v1.33'), pod).message)
      .toBe('violates PodSecurity "restricted:v1.33": runAsNonRoot != true (container "a" must not set securityContext.runAsNonRoot=false)');
  });

  test('lower-case "all" and CAP_-prefixed names do not count', () => {
    const pod = restrictedPod({ container: { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['all'], add: ['CAP_NET_BIND_SERVICE'] } } } });
    expect(verdict(ns('restricted', 'v1.33'), pod).message).toContain('must set securityContext.capabilities.drop=["ALL"]; container "app" must not include "CAP_NET_BIND_SERVICE"');
  });

  test('init and ephemeral containers are checked, in upstream\'s visiting order', () => {
    const pod = { metadata: {}, spec: {
      ephemeralContainers: [{ name: 'debug', image: 'd:1', securityContext: { privileged: true } }],
      initContainers: [{ name: 'init', image: 'i:1', securityContext: { privileged: true } }],
      containers: [{ name: 'app', image: 'a:1', securityContext: { privileged: true } }],
    } };
    expect(verdict(ns('baseline', 'v1.33'), pod).message)
      .toBe('violates PodSecurity "baseline:v1.33": privileged (containers "init", "app", "debug" must not set securityContext.privileged=true)');
  });

  test('hostPorts lists ports sorted as text; explicit hostPort 0 and privileged false pass', () => {
    const pod = { metadata: {}, spec: { containers: [
      { name: 'a', image: 'a:1', ports: [{ containerPort: 1, hostPort: 6060 }, { containerPort: 2, hostPort: 25 }] },
      { name: 'b', image: 'b:1', ports: [{ containerPort: 3, hostPort: 0 }], securityContext: { privileged: false } },
    ] } };
    expect(verdict(ns('baseline', 'v1.33'), pod).message).toBe('violates PodSecurity "baseline:v1.33": hostPort (container "a" uses hostPorts 25, 6060)');
  });

  test('AppArmor: annotations with any container suffix count, and the reason is plural for several bad values', () => {
    const pod = restrictedPod({
      metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/other': 'unconfined' } },
      container: { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, appArmorProfile: { type: 'Unconfined' } } },
    });
    expect(verdict(ns('baseline', 'v1.0'), pod).message).toBe('violates PodSecurity "baseline:v1.0": forbidden AppArmor profiles (container "app" and annotation '
      + 'must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/other="unconfined"")');
  });

  test('a volume without a source is emptyDir after defaulting; an unknown source is reported as unknown', () => {
    const pod = restrictedPod({ spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, volumes: [{ name: 'scratch' }, { name: 'odd', weird: {} }] } });
    expect(verdict(ns('restricted', 'v1.33'), pod).message)
      .toBe('violates PodSecurity "restricted:v1.33": restricted volume types (volume "odd" uses restricted volume type "unknown")');
  });
});
