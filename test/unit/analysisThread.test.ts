import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { fixtureMails } from '../helpers/corpus';
import { PHISH, report } from '../fixtures/phish';

/*
 * The analysis thread runs the compiled code in dist/ (`npm test` builds it before jest runs): from the
 * TypeScript sources, as ts-jest loads them, analyzeAside analyses in place. So this file loads dist/.
 */
const dist = path.join(__dirname, '..', '..', 'dist', 'nodes', 'mail');
if (!existsSync(path.join(dist, 'analysis', 'analysisThreadMain.js')))
	throw new Error('dist/ is not built: run `npm run build` (npm test does) before this test.');
const thread = require(
	path.join(dist, 'analysis', 'analysisThread'),
) as typeof import('../../nodes/mail/analysis/analysisThread');
const analysis = require(path.join(dist, 'analysis')) as typeof import('../../nodes/mail/analysis');
const message = require(path.join(dist, 'message')) as typeof import('../../nodes/mail/message');

const OPTIONS = { trustedAuthservIds: ['mx.corp.test'], ownDomains: ['corp.test'] };
const inPlace = (mail: Buffer, options: object) =>
	message.parseMail(mail).then((parsed) =>
		analysis.analyzeEmail(parsed, options).then(
			(result) => result.analysis,
			(error: Error) => ({ error: error.message }),
		),
	);

describe('the analysis thread of the triggers', () => {
	let inPlaceCalls: jest.SpyInstance;
	beforeEach(() => {
		inPlaceCalls = jest.spyOn(analysis, 'analyzeEmail');
	});
	afterEach(() => inPlaceCalls.mockRestore());

	it('answers every fixture mail as the analysis in place does, none of it on this thread', async () => {
		const mails = [...fixtureMails().map((file) => readFileSync(file)), Buffer.from(PHISH), report(PHISH)];
		// Every mail handed over before any answer is read: the thread works through a queue.
		const handed = [];
		for (const mail of mails) handed.push((await thread.analyzeAside(await message.parseMail(mail), OPTIONS)).answer);
		const answers = await Promise.all(handed);
		expect(inPlaceCalls).not.toHaveBeenCalled();
		inPlaceCalls.mockRestore();
		for (const [index, mail] of mails.entries()) expect(answers[index]).toEqual(await inPlace(mail, OPTIONS));
		expect(answers.filter((answer) => 'signal_ids' in answer && answer.signal_ids.length > 0).length).toBeGreaterThan(
			3,
		);
	}, 60_000);

	it('answers an analysis that cannot be made with its error, as in place', async () => {
		const options = { maxDepth: 11 };
		const { answer } = await thread.analyzeAside(await message.parseMail(Buffer.from(PHISH)), options);
		expect(await answer).toEqual({ error: 'Max Depth must be a whole number from 0 to 10.' });
		expect(inPlaceCalls).not.toHaveBeenCalled();
	});

	it('analyses in place when the options hold a function (a DNS stand-in cannot cross threads)', async () => {
		const options = { ...OPTIONS, resolver: async () => [] };
		const { answer } = await thread.analyzeAside(await message.parseMail(Buffer.from(PHISH)), options);
		expect(inPlaceCalls).toHaveBeenCalledTimes(1);
		expect(await answer).toMatchObject({ reporter: { message_id: '<phish-1@paypa1.test>' } });
	});

	describe('a thread that fails', () => {
		const copies: string[] = [];
		afterAll(() => copies.forEach((copy) => rmSync(copy, { recursive: true, force: true })));

		/** A copy of dist's mail module whose thread runs `threadCode` instead of the analysis. */
		function withThreadCode(threadCode: string): typeof thread {
			const root = mkdtempSync(path.join(tmpdir(), 'mailbox-thread-'));
			copies.push(root);
			symlinkSync(path.join(__dirname, '..', '..', 'node_modules'), path.join(root, 'node_modules'), 'dir');
			cpSync(dist, path.join(root, 'mail'), { recursive: true });
			writeFileSync(path.join(root, 'mail', 'analysis', 'analysisThreadMain.js'), threadCode);
			return require(path.join(root, 'mail', 'analysis', 'analysisThread')) as typeof thread;
		}

		it('before it has loaded: every mail is analysed in place, the ones under way included', async () => {
			const broken = withThreadCode("throw new Error('a module the thread needs is missing');");
			const mails = [Buffer.from(PHISH), report(PHISH), Buffer.from(PHISH)];
			const handed = [];
			for (const mail of mails) handed.push((await broken.analyzeAside(await message.parseMail(mail), OPTIONS)).answer);
			inPlaceCalls.mockRestore();
			for (const [index, answer] of (await Promise.all(handed)).entries())
				expect(answer).toEqual(await inPlace(mails[index], OPTIONS));
		});

		it('after it has loaded (a mail that ends it): the mails under way get an error, the next a new thread', async () => {
			const dying = withThreadCode(
				[
					"const { parentPort } = require('node:worker_threads');",
					"parentPort.on('message', (message) => { if ('mail' in message) process.exit(3); });",
					'parentPort.postMessage({ ready: true });',
				].join('\n'),
			);
			const parsed = await message.parseMail(Buffer.from(PHISH));
			const handed = [];
			for (let count = 0; count < 3; count++) handed.push((await dying.analyzeAside(parsed, OPTIONS)).answer);
			expect(await Promise.all(handed)).toEqual(Array(3).fill({ error: 'The analysis thread stopped (exit code 3).' }));
			const { answer } = await dying.analyzeAside(parsed, OPTIONS);
			expect(await answer).toEqual({ error: 'The analysis thread stopped (exit code 3).' });
			expect(inPlaceCalls).not.toHaveBeenCalled();
		});
	});
});
