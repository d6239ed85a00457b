import { GENERATED_MARKER } from '../../lib/layout';
import { ManifestTextParser } from '../../pipeline/manifest-files';

const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata:\n  a: "1"\n';
const banner = (configFile: string) => `${GENERATED_MARKER} from ${configFile}: edit the code or the config, then run npm run synth.\n`;

describe('ManifestTextParser: one parse per file and text, for one command', () => {
  test('the same name and text parse once; another text parses again', () => {
    const parser = new ManifestTextParser();
    const first = parser.parse('flux/apps/prod/configmap.yaml', body);
    expect(first.objects.map((object) => [object.manifest.kind, object.source?.line])).toEqual([['ConfigMap', 1]]);
    expect(parser.parse('flux/apps/prod/configmap.yaml', body)).toBe(first);
    expect(parser.parse('flux/apps/prod/configmap.yaml', body.replace('"1"', '"2"'))).not.toBe(first);
    expect(parser.parse('flux/apps/dev/configmap.yaml', body)).not.toBe(first);
  });

  test('files that differ only in synth\'s banner (the config file named) are the same objects on the same lines', () => {
    const parser = new ManifestTextParser();
    const committed = parser.parse('flux/apps/prod/configmap.yaml', banner('config/prod.yaml') + body);
    expect(committed.objects[0].source?.line).toBe(2);
    expect(parser.parse('flux/apps/prod/configmap.yaml', banner('/tmp/elsewhere/prod.yaml') + body)).toBe(committed);
    // A first line that is not synth's banner is content like any other.
    expect(parser.parse('flux/apps/prod/configmap.yaml', `# a note\n${body}`)).not.toBe(committed);
  });

  test('objects the caller already has are used instead of parsing', () => {
    const parser = new ManifestTextParser();
    const objects = [{ manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps' } }, source: { file: 'flux/apps/prod/configmap.yaml' } }];
    parser.know('flux/apps/prod/configmap.yaml', banner('config/prod.yaml') + body, objects);
    expect(parser.parse('flux/apps/prod/configmap.yaml', banner('config/prod.yaml') + body).objects).toBe(objects);
  });
});
