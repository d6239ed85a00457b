import { exitQuietlyOnClosedPipe } from './output';
import { runPlan } from './plan-command';

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = runPlan(process.argv.slice(2), process.stdout, process.stderr);
