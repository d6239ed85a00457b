/**
 * The rule under which HelmReleases that cannot be rendered offline are reported. Rendering runs
 * helm, so it lives in pipeline/charts/ (which builds these findings); the rule is listed here so
 * that its id can be selected, skipped and documented like every other.
 */
import { Rule } from './rule';

export const HELM_RENDER_RULE = 'helm-render';

export const helmRender: Rule = {
  id: HELM_RENDER_RULE,
  group: 'admission',
  description: 'Every HelmRelease renders offline as helm-controller would: its chart and exact version vendored and locked in charts/, '
    + 'its valuesFrom produced, its templates and values.schema.json accepting the values (helm-controller fails the release otherwise). '
    + 'What it renders is checked by every other rule.',
  // The findings come from pipeline/charts/render.ts, which needs helm and the chart archives.
  check: () => [],
};

export const HELM_VALUES_REFERENCE_RULE = 'helm-values-reference';

/**
 * House, like secret-reference: helm-controller does stop on a missing valuesFrom Secret, but only
 * the whole cluster's files can show that one is produced, so `check --only admission` on a folder
 * of HelmReleases must not report it.
 */
export const helmValuesReference: Rule = {
  id: HELM_VALUES_REFERENCE_RULE,
  group: 'house',
  description: 'Every Secret or ConfigMap a HelmRelease reads through valuesFrom (unless optional) is declared, or produced by an '
    + 'ExternalSecret in its namespace that writes the key read.',
  // The findings come from pipeline/charts/render.ts, which composes the values.
  check: () => [],
};
