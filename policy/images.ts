/**
 * Gate rules on container images: every container names one (the API server requires it), and each
 * is pinned. `latest` (or no tag) means a node that pulls later runs different code than the one that
 * pulled first, and a rollback rolls back nothing.
 */
import { imagePinProblem } from '../lib/images';
import { Rule } from './rule';
import { Finding } from './types';
import { containersOf, findingAt, podTemplateOf, Universe } from './universe';

function containers(universe: Universe) {
  return universe.objects.flatMap((object) => {
    const template = podTemplateOf(object);
    return template ? containersOf(template).map((entry) => ({ object, ...entry })) : [];
  });
}

export const containerImage: Rule = {
  id: 'container-image',
  group: 'admission',
  description: 'Every container of a pod template names an image (the API server refuses a container without one).',
  check: ({ universe }) => containers(universe)
    .filter(({ container }) => typeof container.image !== 'string' || container.image === '')
    .map(({ object, container, path }) => findingAt('container-image', object, path, `container ${JSON.stringify(container.name)} has no image`,
      'set image to a pinned reference')),
};

export const imagePinned: Rule = {
  id: 'image-pinned',
  group: 'house',
  description: 'Every container image is pinned to a version tag or a digest (no :latest, no missing tag).',
  check: ({ universe }) => {
    const findings: Finding[] = [];
    for (const { object, container, path } of containers(universe)) {
      const problem = typeof container.image === 'string' && container.image !== '' ? imagePinProblem(container.image) : undefined;
      if (problem) {
        findings.push(findingAt('image-pinned', object, [...path, 'image'], `image ${container.image} ${problem}`,
          'pin it to a version tag (e.g. :v1.102.3) or a digest (@sha256:…)'));
      }
    }
    return findings;
  },
};
