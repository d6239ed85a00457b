/**
 * Gate check: Tailscale containers are configured only with what containerboot reads, in the form it
 * reads it. containerboot ignores unknown variables and misspelled booleans without a word; the
 * draft that configured `TS_EXIT_NODE` and `TS_ACCEPT_ROUTES` configured nothing.
 */
import { NODE_NETWORK_ANNOTATION, TAILNET_IPV4_RANGE } from '../lib/constants';
import { PathSegment } from '../lib/field-path';
import { parseImageReference } from '../lib/images';
import { cidrContains, isCanonicalCidr, isIpv4Address } from '../lib/network';
import {
  CONTAINERBOOT_BOOL_ENV, CONTAINERBOOT_ENV, CONTAINERBOOT_MISTAKES, CONTAINERBOOT_TEST_ONLY_ENV, GO_BOOL_VALUES, TAILSCALE_IMAGE_REPOSITORIES,
  TAILSCALE_RESET_FLAG,
} from '../lib/tailscale';
import { Rule } from './rule';
import { Finding, ManifestObject } from './types';
import { asArray, asRecord, containersOf, findingAt, podTemplateOf, Universe } from './universe';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped input, read defensively */

interface EnvEntry {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: Record<string, any>;
  readonly index: number;
}

function isTailscaleImage(image: unknown): boolean {
  return typeof image === 'string' && TAILSCALE_IMAGE_REPOSITORIES.includes(parseImageReference(image).repository);
}

function checkContainer(object: ManifestObject, container: Record<string, any>, path: PathSegment[]): Finding[] {
  const findings: Finding[] = [];
  const entries: EnvEntry[] = asArray(container.env)
    .map((entry, index) => ({ entry: asRecord(entry), index }))
    .filter(({ entry }) => typeof entry?.name === 'string')
    .map(({ entry, index }) => ({ name: entry!.name, value: typeof entry!.value === 'string' ? entry!.value : undefined, valueFrom: asRecord(entry!.valueFrom), index }));
  const at = (entry: EnvEntry | undefined, message: string, fix: string, field: PathSegment[] = []) => findings.push(
    findingAt('tailscale-containerboot', object, entry ? [...path, 'env', entry.index, ...field] : [...path, 'env'], message, fix));
  const byName = new Map(entries.map((entry) => [entry.name, entry]));

  for (const entry of entries) {
    if (CONTAINERBOOT_TEST_ONLY_ENV.has(entry.name)) {
      at(entry, `${entry.name} is read by containerboot's own tests only and changes its behaviour`, `remove ${entry.name}`, ['name']);
    } else if (entry.name.startsWith('TS_') && !CONTAINERBOOT_ENV.has(entry.name)) {
      at(entry, `${entry.name} is not an environment variable containerboot reads: it configures nothing`,
        CONTAINERBOOT_MISTAKES[entry.name] ?? `remove ${entry.name}, or use the setting's real name (see lib/tailscale.ts)`, ['name']);
    }
    if (CONTAINERBOOT_BOOL_ENV.has(entry.name) && entry.value !== undefined && !GO_BOOL_VALUES.has(entry.value)) {
      at(entry, `${entry.name}=${JSON.stringify(entry.value)} is not a boolean Go can parse, so containerboot silently uses the default`,
        'write "true" or "false"', ['value']);
    }
  }

  const routes = byName.get('TS_ROUTES');
  if (routes?.value !== undefined && routes.value !== '') {
    for (const route of routes.value.split(',')) {
      if (!isCanonicalCidr(route)) {
        at(routes, `TS_ROUTES item ${JSON.stringify(route)} is not a CIDR with its host bits zero${/\s/.test(route) ? ' (containerboot does not trim spaces)' : ''}`,
          'write comma-separated CIDRs with no spaces, e.g. 10.42.0.0/16,10.43.0.0/16', ['value']);
      }
    }
  }

  const extraArgs = byName.get('TS_EXTRA_ARGS')?.value?.split(/\s+/).filter(Boolean) ?? [];
  const extra = byName.get('TS_EXTRA_ARGS');
  const flag = (name: string) => extraArgs.find((arg) => arg === name || arg.startsWith(`${name}=`));
  if (routes && flag('--advertise-routes')) {
    at(extra, '--advertise-routes in TS_EXTRA_ARGS silently overrides TS_ROUTES (the last flag wins)', 'keep the routes in TS_ROUTES only', ['value']);
  }
  const exitNode = flag('--exit-node');
  if (exitNode) {
    const target = exitNode.slice('--exit-node='.length);
    if (target !== '' && !target.startsWith('auto:') && !(isIpv4Address(target) && cidrContains(TAILNET_IPV4_RANGE, target))) {
      at(extra, `--exit-node=${target} is not a tailnet IP: a hostname cannot be resolved before the first netmap, so tailscale up fails on a new node`,
        'use the exit node\'s Tailscale IP address', ['value']);
    }
    if (flag('--advertise-exit-node')) {
      at(extra, 'a node cannot both advertise an exit node and use one', 'drop --exit-node or --advertise-exit-node', ['value']);
    }
    const nodeNetwork = asRecord(asRecord(object.manifest.metadata)?.annotations)?.[NODE_NETWORK_ANNOTATION];
    if (nodeNetwork === 'public') {
      at(extra, `--exit-node on nodes that reach each other over public addresses (${NODE_NETWORK_ANNOTATION}: public): flannel traffic between `
        + 'nodes would take the tunnel, and SSH, NodePort and ServiceLB on a worker\'s public address would answer through the exit node (tailscale#10940)',
      'drop --exit-node and send only what needs the exit node\'s address through egress.proxies in config, or run K3s over the tailnet and set '
        + 'cluster.nodeNetwork: tailnet', ['value']);
    } else if (nodeNetwork === 'lan' && !flag('--exit-node-allow-lan-access')) {
      at(extra, `--exit-node without --exit-node-allow-lan-access on nodes that share a LAN (${NODE_NETWORK_ANNOTATION}: lan): traffic between `
        + 'nodes would go through the exit node', 'add --exit-node-allow-lan-access', ['value']);
    }
  } else if (flag('--exit-node-allow-lan-access')) {
    at(extra, '--exit-node-allow-lan-access without --exit-node makes tailscale up refuse to start', 'add --exit-node=<IP> or drop the flag', ['value']);
  }

  if (extraArgs.length > 0 && !flag(TAILSCALE_RESET_FLAG)) {
    at(extra, `TS_EXTRA_ARGS has up flags (${extraArgs.join(' ')}) but no ${TAILSCALE_RESET_FLAG}: once a control URL is stored, tailscale up refuses any run `
      + 'that leaves a non-default setting unmentioned ("requires mentioning all non-default flags"), e.g. host-era --ssh or a flag later removed, '
      + 'and containerboot exits on every start', `put ${TAILSCALE_RESET_FLAG} first in TS_EXTRA_ARGS`, ['value']);
  }
  const authKey = byName.get('TS_AUTHKEY') ?? byName.get('TS_AUTH_KEY');
  if (authKey && authKey.value !== undefined) {
    at(authKey, `${authKey.name} is written inline: the key would live in Git`, 'read it with valueFrom.secretKeyRef from the ExternalSecret-managed Secret', ['value']);
  }
  const authOnce = byName.get('TS_AUTH_ONCE')?.value;
  const keyRef = asRecord(authKey?.valueFrom?.secretKeyRef);
  if (keyRef && authOnce !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(authOnce) && keyRef.optional !== true) {
    at(authKey, `${authKey!.name} is a required secretKeyRef, yet with TS_AUTH_ONCE=true a node that is logged in never reads it: a missing Secret `
      + '(ESO or ESC down) would keep every tailscale pod from starting', 'set optional: true on the secretKeyRef', ['valueFrom', 'secretKeyRef']);
  }
  const kubeSecret = byName.get('TS_KUBE_SECRET');
  if (byName.has('TS_STATE_DIR') && (kubeSecret === undefined || (kubeSecret.value ?? '') !== '')) {
    at(kubeSecret ?? byName.get('TS_STATE_DIR'), 'TS_STATE_DIR is ignored while TS_KUBE_SECRET names a Secret (it defaults to "tailscale" in a pod): state would go to one Secret shared by every pod',
      'set TS_KUBE_SECRET to "" next to TS_STATE_DIR');
  }
  const hostname = byName.get('TS_HOSTNAME');
  for (const variable of hostname?.value?.match(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g) ?? []) {
    const referenced = byName.get(variable.slice(2, -1));
    if (!referenced || referenced.index > hostname!.index) {
      at(hostname, `TS_HOSTNAME uses ${variable}, which is not defined before it: Kubernetes passes the text literally and the hostname is invalid`,
        `define ${variable.slice(2, -1)} earlier in env (e.g. from fieldRef spec.nodeName)`, ['value']);
    }
  }
  return findings;
}

function checkTailscale(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const object of universe.objects) {
    const template = podTemplateOf(object);
    if (!template) continue;
    for (const { container, path } of containersOf(template)) {
      if (isTailscaleImage(container.image)) findings.push(...checkContainer(object, container, path));
    }
  }
  return findings;
}

export const tailscaleContainerboot: Rule = {
  id: 'tailscale-containerboot',
  group: 'house',
  description: 'Tailscale containers use only variables containerboot reads, valid Go booleans, canonical TS_ROUTES, an exit node by IP, state on disk, '
    + 'no inline auth key, --reset in TS_EXTRA_ARGS, an optional auth key reference with TS_AUTH_ONCE, and no exit node where the node '
    + 'network annotation says the nodes talk over public addresses (or one without LAN access on a shared LAN).',
  check: ({ universe }) => checkTailscale(universe),
};
