import { NodeOperationError, type INode } from 'n8n-workflow';

import { accountSecrets, MailError, redact, type MailAccount } from '../mail';

/** Any failure -> a NodeOperationError whose message says what to change, without secrets. */
export function toNodeError(
	node: INode,
	error: unknown,
	options: { itemIndex?: number; account?: MailAccount } = {},
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const secrets = options.account ? accountSecrets(options.account) : [];
	const message = redact(error instanceof Error ? error.message : String(error), secrets);
	const description =
		error instanceof MailError ? `Reason code: ${error.code}${error.service ? ` (${error.service})` : ''}` : undefined;
	return new NodeOperationError(node, message, { itemIndex: options.itemIndex, description });
}
