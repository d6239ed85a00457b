import { runCharts } from './charts-command';
import { exitQuietlyOnClosedPipe } from './output';

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = runCharts(process.argv.slice(2), process.stdout, process.stderr);
