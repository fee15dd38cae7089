/**
 * The analysis thread's own code (started by analysisThread.ts, from dist/ only): analyses each mail
 * the trigger hands over with the options it was told, and answers with the analysis or the error.
 */
import { parentPort } from 'node:worker_threads';

import type { AnalysisRequest, AnalysisReply, OptionsMessage } from './analysisThread';
import { analyzeEmail, type AnalyzeOptions } from './index';

const optionsById = new Map<number, AnalyzeOptions>();

async function answer({ id, optionsId, mail }: AnalysisRequest): Promise<AnalysisReply> {
	try {
		// A Buffer arrives as a plain Uint8Array: the same bytes, without Buffer's methods.
		const source = Buffer.from(mail.source.buffer, mail.source.byteOffset, mail.source.byteLength);
		const { analysis } = await analyzeEmail({ ...mail, source }, optionsById.get(optionsId));
		return { id, analysis };
	} catch (error) {
		return { id, error: (error as Error).message || String(error) };
	}
}

parentPort?.on('message', (message: AnalysisRequest | OptionsMessage) => {
	if ('mail' in message) void answer(message).then((reply) => parentPort?.postMessage(reply));
	else if (message.options) optionsById.set(message.optionsId, message.options);
	else optionsById.delete(message.optionsId);
});
// Loaded: from here on a failure is a mail's, not the thread's set-up.
parentPort?.postMessage({ ready: true });
