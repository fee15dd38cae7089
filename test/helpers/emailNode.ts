import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { Email } from '../../nodes/Email/Email.node';
import { runNode } from './nodeContext';

/** Runs the Mailbox node once with these parameters, credentials and input items; its first output. */
export async function runEmail(
	parameters: IDataObject,
	credentials: Record<string, unknown>,
	items?: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const [output] = await runNode(new Email(), { parameters, credentials, items });
	return output;
}
