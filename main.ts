/**
 * The cdk8s app: `npm run synth` runs this file precompiled, `cdk8s synth` runs it through the same
 * launcher (see cdk8s.yaml), and `ts-node main.ts` still works for those who expect it.
 * The work is in cli/synth-command.ts; pipeline/cluster.ts builds each cluster's constructs.
 */
import { exitQuietlyOnClosedPipe } from './cli/output';
import { runSynth } from './cli/synth-command';

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = runSynth(process.argv.slice(2), process.stdout, process.stderr);
