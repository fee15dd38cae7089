import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { sendMail, type MailAccount } from '../../mail';
import { updateDisplayOptions } from '../../shared/displayOptions';
import { messageFields, messageOptions } from '../descriptions/message.description';
import { exclusionFields, waitOptionsCollection } from '../descriptions/wait.description';
import { responseOptions, responseTypeProperty, type ResponseType } from '../descriptions/askPerson.description';
import { askPerson } from './askPerson';
import { readOutgoingMail } from './outgoingMail';
import { readWaitOptions, waitForReplyTo } from './waitForReplyItem';

const properties: INodeProperties[] = [
	...messageFields,
	responseTypeProperty,
	...updateDisplayOptions({ show: { responseType: ['reply'] } }, exclusionFields),
	waitOptionsCollection([...messageOptions, ...responseOptions], { show: { '/responseType': ['reply'] } }),
];

export const description = updateDisplayOptions({ show: { operation: ['sendAndWait'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	account: MailAccount,
): Promise<INodeExecutionData[]> {
	const mail = await readOutgoingMail(this, itemIndex);
	const responseType = this.getNodeParameter('responseType', itemIndex, 'reply') as ResponseType;
	if (responseType !== 'reply') return await askPerson(this, itemIndex, account, mail, responseType);
	const waitOptions = readWaitOptions(this, itemIndex, mail.recipients);
	const sent = await sendMail(account, mail);
	return [{ json: await waitForReplyTo(account, sent.message_id, waitOptions), pairedItem: { item: itemIndex } }];
}
