import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { openMailSender, SMTP_CONNECTIONS, type MailAccount, type MailSender } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { messageFields, messageOptions } from '../descriptions/message.description';
import { readOutgoingMail } from './outgoingMail';

const properties: INodeProperties[] = [
	...messageFields,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: messageOptions,
	},
];

export const description = updateDisplayOptions({ show: { operation: ['send'] } }, properties);

/** Items sent at once: as many as the sender keeps SMTP connections. */
export const concurrency = SMTP_CONNECTIONS;

// One SMTP sender per execution, shared by its items (the router hands each execution its own
// account object); finish() ends it after the last item.
const senders = new WeakMap<MailAccount, MailSender>();

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	let sender = senders.get(account);
	if (!sender) {
		sender = openMailSender(account);
		senders.set(account, sender);
	}
	const result = await sender.send(await readOutgoingMail(this, itemIndex));
	return [{ json: { ...result }, pairedItem: { item: itemIndex } }];
}

export function finish(account: MailAccount): void {
	senders.get(account)?.close();
	senders.delete(account);
}
