import type { INodeProperties } from 'n8n-workflow';

/** The `options` collection of an operation: optional settings live in one collection, as in n8n's own nodes. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}
