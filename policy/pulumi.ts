/**
 * Gate check: nothing of Pulumi in the cluster's reconciliation path. The Pulumi Kubernetes Operator
 * is what stopped GitOps for days; Pulumi stays where it belongs, as ESC behind the secret store.
 */
import { Rule } from './rule';
import { Finding } from './types';
import { containersOf, findingAt, groupOf, kindOf, nameOf, namespaceOf, podTemplateOf, Universe } from './universe';
import { parseImageReference } from '../lib/images';

const PULUMI_GROUP = /(^|\.)pulumi\.com$/;
const PULUMI_OPERATOR_IMAGE = /(^|\/)pulumi-kubernetes-operator$/;
const PULUMI_NAMESPACE = 'pulumi-system';

function checkNoPulumi(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  const fix = 'remove it: GitOps runs through Flux, and Pulumi is only read through ESC by External Secrets (see README, "Retire the Pulumi Kubernetes Operator")';
  for (const object of universe.objects) {
    if (PULUMI_GROUP.test(groupOf(object))) {
      findings.push(findingAt('no-pulumi', object, ['apiVersion'], `${kindOf(object)} belongs to Pulumi's API group ${groupOf(object)}`, fix));
    }
    if ((kindOf(object) === 'Namespace' && nameOf(object) === PULUMI_NAMESPACE) || namespaceOf(object) === PULUMI_NAMESPACE) {
      findings.push(findingAt('no-pulumi', object, ['metadata'], `uses the ${PULUMI_NAMESPACE} namespace of the Pulumi Kubernetes Operator`, fix));
    }
    const template = podTemplateOf(object);
    if (!template) continue;
    for (const { container, path } of containersOf(template)) {
      if (typeof container.image === 'string' && PULUMI_OPERATOR_IMAGE.test(parseImageReference(container.image).repository)) {
        findings.push(findingAt('no-pulumi', object, [...path, 'image'], `runs the Pulumi Kubernetes Operator (${container.image})`, fix));
      }
    }
  }
  return findings;
}

export const noPulumi: Rule = {
  id: 'no-pulumi',
  group: 'house',
  description: 'Nothing of the Pulumi Kubernetes Operator in the cluster path: no pulumi.com API group, no operator image, no pulumi-system namespace.',
  check: ({ universe }) => checkNoPulumi(universe),
};
