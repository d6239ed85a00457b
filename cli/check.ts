import { runCheck } from './check-command';

process.exitCode = runCheck(process.argv.slice(2), process.stdout, process.stderr);
