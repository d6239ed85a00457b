import { runPlan } from './plan-command';

process.exitCode = runPlan(process.argv.slice(2), process.stdout, process.stderr);
