import { benchSmoke, casesOf } from '../helpers/benchSmoke';

const { node24Binary } = require('../../scripts/lib/node24');

/**
 * `npm run bench -- --smoke`: every benchmark case once at tiny sizes, so that a case broken by a
 * change elsewhere (a function that now returns another shape) fails here, not at the next full
 * run weeks later. The figures of a smoke run mean nothing; only that every case ran to its rows.
 * It took 130 s at load average 15 on 2 cores. Case 6 (many mailboxes) needs a real n8n:
 * test/host/benchSmoke.host.test.ts.
 */
describe('npm run bench -- --smoke', () => {
	it('runs every case without n8n to the end and prints its rows', async () => {
		const rows = await benchSmoke(['ingest', 'poll', 'memory', 'reply', 'send']);
		expect(casesOf(rows)).toEqual(['1 ingest', '2 poll cost', '3 memory', '4 reply latency', '5 bulk send']);
		// Ours (Analyze off and on) on this Node, and on Node 24 once its host is installed, beside the raw
		// ceiling; poll cost in two folder sizes on both storages; memory in both binary modes.
		const runtimes = node24Binary() ? 2 : 1;
		expect(rows.filter((line) => line.includes('Mailbox Trigger (this package)'))).toHaveLength(runtimes);
		expect(rows.filter((line) => line.includes('the same with Analyze on'))).toHaveLength(runtimes);
		expect(rows.filter((line) => line.includes('| one poll,') && line.includes('Maildir'))).toHaveLength(2);
		expect(rows.filter((line) => line.includes('| one poll,') && line.includes('sdbox'))).toHaveLength(2);
		expect(rows.filter((line) => line.includes('3 memory') && line.includes('trigger cycle'))).toHaveLength(2);
	}, 300_000);
});
