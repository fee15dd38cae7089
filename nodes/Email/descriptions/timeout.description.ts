import type { IDataObject, INodeProperties } from 'n8n-workflow';

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

/** The budget the `timeoutSeconds` option sets (the default when it is not added). */
export function readTimeBudget(options: IDataObject): TimeBudget {
	return timeBudget(options.timeoutSeconds, 'Timeout Seconds');
}
