import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/** Shows each property only where `displayOptions` says, merged with what it already had. */
export function updateDisplayOptions(
	displayOptions: IDisplayOptions,
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { ...property.displayOptions?.show, ...displayOptions.show },
			...(displayOptions.hide || property.displayOptions?.hide
				? { hide: { ...property.displayOptions?.hide, ...displayOptions.hide } }
				: {}),
		},
	}));
}
