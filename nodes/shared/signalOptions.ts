import type { INodeProperties } from 'n8n-workflow';

/**
 * The triage signals' options of Analyze Email, shared by the action node's `options` and the
 * triggers' `analyzeOptions` (in alphabetical place between Own Domains and Trusted Authserv IDs).
 */
export const signalOptions: INodeProperties[] = [
	{
		displayName: 'Protected Domains',
		name: 'protectedDomains',
		type: 'string',
		default: '',
		placeholder: 'examplebank.com, partner.example',
		description:
			'Comma-separated domains besides your own that lookalikes are judged against (brands, banks, ' +
			'partners): a sender, reply-to or link domain that imitates one fires lookalike_domain. ' +
			'Own Domains are always judged.',
	},
	{
		displayName: 'Protected Names',
		name: 'protectedNames',
		type: 'string',
		default: '',
		placeholder: 'Jane Doe, Example Bank',
		description:
			'Comma-separated people and brands (your CEO, your bank): a display name holding one as whole ' +
			'words, from a sender outside Own Domains, fires display_name_impersonation',
	},
];

export interface SignalOptionValues {
	protectedDomains?: string;
	protectedNames?: string;
}
