import { benchSmoke, casesOf } from '../helpers/benchSmoke';
import { n8nMajors } from '../helpers/n8n';

/**
 * Benchmark case 6 (many mailboxes) in smoke size: two mailboxes, two workflows each with the Mailbox
 * Trigger, the Mailbox Trigger (Instant) and n8n's built-in Email Trigger (IMAP) on a real n8n 2.x
 * main, every mail emitted once and none marked read without an execution. Its figures mean nothing; it keeps the case from rotting unseen.
 */
const describeOn2 = n8nMajors().includes(2) ? describe : describe.skip;
// Ports apart from test/bench/smoke.test.ts's run of the bench, which may run at the same time
// (bench mail servers 70 past MAILBOX_PORT_OFFSET, its n8n on 5678 + 80: clear of every other test's).
const portShift = 20;

describeOn2('npm run bench -- --smoke --only=many (n8n 2.x)', () => {
	it('runs all three phases and every mail comes out exactly once', async () => {
		const rows = await benchSmoke(['many'], { portShift });
		expect(casesOf(rows)).toEqual(['6 many mailboxes']);
		const once = rows.filter((line) => line.includes('mails emitted exactly once'));
		expect(once).toHaveLength(3);
		for (const line of once)
			expect(line).toMatch(
				/\| 2 of 2 .*\| 0 missing \(0 of them marked read\), 0 twice or more .*\| 0 failed executions/,
			);
	}, 600_000);
});

describe('npm run bench -- --smoke --only=ingest (the installed n8n hosts)', () => {
	it('measures the built-in Email Trigger (IMAP) of every installed major beside ours', async () => {
		const rows = await benchSmoke(['ingest'], { portShift });
		// The case looks for the hosts where `npm test` installs them: one that moves is no longer skipped unseen.
		const builtins = rows.filter((line) => line.includes('Email Trigger (IMAP)'));
		expect(builtins.map((line) => line.match(/n8n (\d+)\./)?.[1]).sort()).toEqual(n8nMajors().map(String).sort());
	}, 300_000);
});
