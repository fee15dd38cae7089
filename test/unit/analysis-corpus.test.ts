import { readFileSync } from 'node:fs';
import path from 'node:path';

import { analyzeEmail } from '../../nodes/mail';
import { corpusFiles, OUTLOOK_CORPUS } from '../helpers/corpus';

const emls = corpusFiles();
const msgs = corpusFiles(OUTLOOK_CORPUS, '.msg');

describe('Analyze Email over the shared corpus', () => {
	it('finds the corpus (mail-fixtures .eml and outlook-msg .msg)', () => {
		expect(emls.length).toBeGreaterThan(50);
		expect(msgs.length).toBeGreaterThanOrEqual(15);
	});

	it('analyses every .eml without an error, with the message itself as the reporter', async () => {
		const failures: string[] = [];
		for (const file of emls) {
			try {
				const { analysis } = await analyzeEmail(readFileSync(file), { trustedAuthservIds: ['mx.google.com'] });
				expect(analysis.reporter).toBe(analysis.messages[0]);
				expect(analysis.messages[0].via).toBe('root');
				JSON.stringify(analysis);
			} catch (error) {
				failures.push(`${path.relative(path.dirname(emls[0]), file)}: ${(error as Error).message}`);
			}
		}
		expect(failures).toEqual([]);
	});

	it('analyses every Outlook .msg without an error, unwrapping attached .msg files', async () => {
		const results = new Map<string, Awaited<ReturnType<typeof analyzeEmail>>['analysis']>();
		for (const file of msgs) results.set(path.basename(file), (await analyzeEmail(readFileSync(file))).analysis);
		expect([...results.keys()].length).toBe(msgs.length);
		const inner = results.get('msgInMsgInMsg.msg')!;
		expect(inner.messages.map((message) => [message.depth, message.via])).toEqual([
			[0, 'root'],
			[1, 'msg'],
			[2, 'msg'],
		]);
		expect(inner.original).toBe(inner.messages[2]);
		const link = results.get('htmlLink2.msg')!;
		expect(link.iocs.urls).toContain('https://google.com/');
	});
});
