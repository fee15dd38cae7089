import { readFileSync } from 'node:fs';
import path from 'node:path';

import { analyzeEmail } from '../../nodes/mail';
import { OUTLOOK_MESSAGES, outlookMsg } from '../fixtures/outlookMsgs';
import { fixtureMails, mailCorpus, outlookCorpus } from '../helpers/corpus';

type Analysis = Awaited<ReturnType<typeof analyzeEmail>>['analysis'];

/** Analyses every .eml; the failures, by file. */
async function analyseEvery(files: string[]): Promise<string[]> {
	const failures: string[] = [];
	for (const file of files) {
		try {
			const { analysis } = await analyzeEmail(readFileSync(file), { trustedAuthservIds: ['mx.google.com'] });
			expect(analysis.reporter).toBe(analysis.messages[0]);
			expect(analysis.messages[0].via).toBe('root');
			JSON.stringify(analysis);
		} catch (error) {
			failures.push(`${path.basename(path.dirname(file))}/${path.basename(file)}: ${(error as Error).message}`);
		}
	}
	return failures;
}

/** Analyses every .msg, by name. */
async function analyseMsgs(files: Array<[string, Buffer]>): Promise<Map<string, Analysis>> {
	const results = new Map<string, Analysis>();
	for (const [name, bytes] of files) results.set(name, (await analyzeEmail(bytes)).analysis);
	return results;
}

/** The .msg three levels deep comes out as three messages, the innermost the original. */
function expectUnwrappedThreeDeep(analysis: Analysis): void {
	expect(analysis.messages.map((message) => [message.depth, message.via])).toEqual([
		[0, 'root'],
		[1, 'msg'],
		[2, 'msg'],
	]);
	expect(analysis.original).toBe(analysis.messages[2]);
}

describe('Analyze Email over every fixture mail and Outlook file', () => {
	it('analyses every fixture .eml without an error, with the message itself as the reporter', async () => {
		const files = fixtureMails();
		expect(files.length).toBeGreaterThanOrEqual(20);
		expect(await analyseEvery(files)).toEqual([]);
	});

	it('analyses every generated Outlook .msg without an error, unwrapping attached .msg files', async () => {
		const results = await analyseMsgs(Object.keys(OUTLOOK_MESSAGES).map((name) => [name, outlookMsg(name)]));
		expectUnwrappedThreeDeep(results.get('msg-in-msg-in-msg.msg')!);
		expect(results.get('msg-in-msg-in-msg.msg')!.original!.subject).toBe('Level 3');
		expect(results.get('html-link.msg')!.iocs.urls).toContain('https://google.com/');
		expect(results.get('unicode-cjk.msg')!.reporter.subject).toBe('你好，世界 — 안녕하세요 — こんにちは');
	});

	mailCorpus.it('analyses every corpus .eml without an error, with the message itself as the reporter', async () => {
		const files = mailCorpus.files();
		expect(files.length).toBeGreaterThan(50);
		expect(await analyseEvery(files)).toEqual([]);
	});

	outlookCorpus.it('analyses every corpus .msg without an error, unwrapping attached .msg files', async () => {
		const files = outlookCorpus.files();
		expect(files.length).toBeGreaterThanOrEqual(15);
		const results = await analyseMsgs(files.map((file) => [path.basename(file), readFileSync(file)]));
		expectUnwrappedThreeDeep(results.get('msgInMsgInMsg.msg')!);
		expect(results.get('htmlLink2.msg')!.iocs.urls).toContain('https://google.com/');
	});
});
