import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_READ_TIMEOUT_SECONDS, timeBudget, type TimeBudget } from '../../mail';

/**
 * `timeoutSeconds`, an entry of the `options` collection of every operation that reads mail: the
 * most the whole operation may take, so that a server that stops answering is an error within it.
 * An operation spreads it into its options and hands `readTimeBudget(options)` to the mail module.
 */
export const timeoutOption: INodeProperties = {
	displayName: 'Timeout Seconds',
	name: 'timeoutSeconds',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: DEFAULT_READ_TIMEOUT_SECONDS,
	description:
		'The most the whole operation may take, connecting and logging in included. A server that stops ' +
		'answering fails the item with a timeout error after this; raise it for very large mail on a ' +
		'slow server.',
};

/** An operation's `options` collection as read, with `timeoutOption` among its entries. */
export type TimeoutOptions = IDataObject & { timeoutSeconds?: number };

/** The budget the `timeoutSeconds` option sets (the default when it is not added). */
export function readTimeBudget(options: TimeoutOptions): TimeBudget {
	return timeBudget(options.timeoutSeconds, 'Timeout Seconds');
}

/** The budget of one item, for an operation whose only option is Timeout Seconds. */
export function readItemTimeBudget(context: IExecuteFunctions, itemIndex: number): TimeBudget {
	return readTimeBudget(context.getNodeParameter('options', itemIndex, {}) as TimeoutOptions);
}
