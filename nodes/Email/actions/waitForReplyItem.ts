import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	compileExclusion,
	normalizeMessageId,
	parseAddressList,
	timeBudget,
	waitForReplies,
	type MailAccount,
	type WaitOptions,
	type WaitResult,
} from '../../mail';

/**
 * Reads the exclusions and wait options of one item. The regexes are checked here, so that Send
 * Email and Wait refuses a bad pattern before the question is sent.
 */
export function readWaitOptions(
	context: IExecuteFunctions,
	itemIndex: number,
	recipients: string,
): Omit<WaitOptions, 'messageId'> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const exclusionSubjectRegex = context.getNodeParameter('exclusionSubjectRegex', itemIndex, '') as string;
	const exclusionBodyRegex = context.getNodeParameter('exclusionBodyRegex', itemIndex, '') as string;
	compileExclusion(exclusionSubjectRegex, 'Exclusion Subject Regex');
	compileExclusion(exclusionBodyRegex, 'Exclusion Body Regex');
	return {
		recipients: parseAddressList(recipients).map((entry) => entry.address),
		exclusionSubjectRegex,
		exclusionBodyRegex,
		folders: String(options.folders ?? 'INBOX').split(','),
		waitForAllRecipients: options.waitForAllRecipients === true,
		timeoutMs: Math.max(0, Number(options.timeoutMinutes ?? 1440)) * 60_000,
		pollMs: Math.max(1, Number(options.pollSeconds ?? 30)) * 1000,
		signal: context.getExecutionCancelSignal?.(),
		budget: timeBudget(options.serverTimeoutSeconds, 'Server Timeout Seconds'),
	};
}

/**
 * Waits for the replies to `messageId` and shapes the output item: the outcome, every reply, and the first reply's
 * fields at the top level.
 */
export async function waitForReplyTo(
	account: MailAccount,
	messageId: string,
	options: Omit<WaitOptions, 'messageId'>,
): Promise<IDataObject> {
	const result: WaitResult = await waitForReplies(account, { ...options, messageId });
	const [first] = result.replies;
	return {
		...(first ?? {}),
		is_success: !result.timed_out,
		sent_message_id: normalizeMessageId(messageId),
		timed_out: result.timed_out,
		replies: result.replies as unknown as IDataObject[],
	};
}
