import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_READ_TIMEOUT_SECONDS } from '../../mail';
import { optionsCollection } from './options.description';

/** Exclusion regexes shared by Send Email and Wait and Wait for Reply. */
export const exclusionFields: INodeProperties[] = [
	{
		displayName: 'Exclusion Subject Regex',
		name: 'exclusionSubjectRegex',
		type: 'string',
		default: '',
		placeholder: '(?i)automatic reply|out of office',
		description:
			'A reply whose subject matches anywhere is skipped and the wait goes on (RE2 syntax, linear ' +
			'time; (?i) for case-insensitive)',
	},
	{
		displayName: 'Exclusion Body Regex',
		name: 'exclusionBodyRegex',
		type: 'string',
		default: '',
		placeholder: '(?i)I am out of the office',
		description: 'A reply whose body matches anywhere is skipped and the wait goes on (RE2 syntax, linear time)',
	},
];

/** Entries of the `options` collection that shape the wait. */
export const waitOptions: INodeProperties[] = [
	{
		displayName: 'Folders',
		name: 'folders',
		type: 'string',
		default: 'INBOX',
		description: 'Comma-separated folders to watch for the reply (case-sensitive names)',
	},
	{
		displayName: 'Poll Seconds',
		name: 'pollSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
		description:
			'How often to search again when the server has no IMAP IDLE; with IDLE a reply is seen within a ' +
			'second and this is only a safety re-search',
	},
	{
		displayName: 'Server Timeout Seconds',
		name: 'serverTimeoutSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_READ_TIMEOUT_SECONDS,
		description:
			'The most one step on the server may take (connecting and logging in, or one search). A server ' +
			'that stops answering has its connection opened again after this; at the start of the wait it is ' +
			'an error.',
	},
	{
		displayName: 'Timeout Minutes',
		name: 'timeoutMinutes',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 1440,
		description:
			'How long to wait; then the output has is_success false and timed_out true (not an error), so an ' +
			'IF node can branch on it',
	},
	{
		displayName: 'Wait for All Recipients',
		name: 'waitForAllRecipients',
		type: 'boolean',
		default: false,
		description: 'Whether to wait for one reply from every recipient instead of the first reply',
	},
];

/**
 * The `options` collection of a waiting operation: the wait options plus `extra` entries, by name;
 * `waitDisplay` limits where the wait options show (Send Email and Wait: only for reply mail).
 */
export function waitOptionsCollection(extra: INodeProperties[] = [], waitDisplay?: IDisplayOptions): INodeProperties {
	const shownWait = waitDisplay
		? waitOptions.map((option) => ({ ...option, displayOptions: waitDisplay }))
		: waitOptions;
	return optionsCollection([...extra, ...shownWait].sort((a, b) => a.displayName.localeCompare(b.displayName)));
}
