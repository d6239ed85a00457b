/**
 * Gate check: every container image is pinned. `latest` (or no tag) means a node that pulls later
 * runs different code than the one that pulled first, and a rollback rolls back nothing.
 */
import { imagePinProblem } from '../lib/images';
import { CheckId, Finding } from './types';
import { containersOf, findingAt, podTemplateOf, Universe } from './universe';

export function checkImages(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const object of universe.objects) {
    const template = podTemplateOf(object);
    if (!template) continue;
    for (const { container, path } of containersOf(template)) {
      if (typeof container.image !== 'string' || container.image === '') {
        findings.push(findingAt(CheckId.IMAGES, object, path, `container ${JSON.stringify(container.name)} has no image`, 'set image to a pinned reference'));
        continue;
      }
      const problem = imagePinProblem(container.image);
      if (problem) {
        findings.push(findingAt(CheckId.IMAGES, object, [...path, 'image'], `image ${container.image} ${problem}`,
          'pin it to a version tag (e.g. :v1.102.3) or a digest (@sha256:…)'));
      }
    }
  }
  return findings;
}
