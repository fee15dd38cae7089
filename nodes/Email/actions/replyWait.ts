import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { normalizeMessageId, parseAddressList, waitForReplies, type MailAccount, type WaitResult } from '../../mail';

/** Reads the exclusions and wait options of one item and waits for the replies to `messageId`. */
export async function waitForReplyTo(context: IExecuteFunctions, itemIndex: number, account: MailAccount, messageId: string, recipients: string): Promise<WaitResult> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return await waitForReplies(account, {
		messageId,
		recipients: parseAddressList(recipients).map((entry) => entry.address),
		exclusionSubjectRegex: context.getNodeParameter('exclusionSubjectRegex', itemIndex, '') as string,
		exclusionBodyRegex: context.getNodeParameter('exclusionBodyRegex', itemIndex, '') as string,
		folders: String(options.folders ?? 'INBOX').split(','),
		waitForAllRecipients: options.waitForAllRecipients === true,
		timeoutMs: Number(options.timeoutMinutes ?? 1440) * 60_000,
		pollMs: Math.max(1, Number(options.pollSeconds ?? 30)) * 1000,
		signal: context.getExecutionCancelSignal?.(),
	});
}

/** The output item: the wait's outcome, every reply, and the first reply's fields at the top level. */
export function replyOutput(messageId: string, result: WaitResult): IDataObject {
	const [first] = result.replies;
	return {
		...(first ?? {}),
		is_success: !result.timed_out,
		sent_message_id: normalizeMessageId(messageId),
		timed_out: result.timed_out,
		replies: result.replies as unknown as IDataObject[],
	};
}
