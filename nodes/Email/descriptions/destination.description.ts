import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { DestinationRequest } from '../../mail';
import { destinationFolderProperty, pickedMessageProperties, readFolder, readMessagePick } from './folder.description';
import { createFolderOption } from './folderPath.description';
import { optionsCollection } from './options.description';
import { timeoutOption } from './timeout.description';

/**
 * Move Email's and Copy Email's parameters: the picked mail, Destination Folder (with the operation's
 * own description when given), and the Create Folder and Timeout Seconds options.
 */
export function destinationProperties(destinationDescription?: string): INodeProperties[] {
	return [
		...pickedMessageProperties,
		destinationDescription
			? { ...destinationFolderProperty, description: destinationDescription }
			: destinationFolderProperty,
		optionsCollection([createFolderOption, timeoutOption]),
	];
}

/** The picked mail of one item and where it goes, as `destinationProperties` name them. */
export function readDestinationRequest(context: IExecuteFunctions, itemIndex: number): DestinationRequest {
	const options = context.getNodeParameter('options', itemIndex, {}) as { createFolder?: boolean };
	return {
		...readMessagePick(context, itemIndex),
		destination: readFolder(context, itemIndex, 'destinationFolder', ''),
		createFolder: options.createFolder ?? false,
	};
}
