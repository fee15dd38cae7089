import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readText } from './parameters';

/** The folder a folder operation (create, rename, delete) works on: its full path, typed. */
export const folderPathProperty: INodeProperties = {
	displayName: 'Path',
	name: 'path',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. Cases/2026-117',
	description: 'Full path of the folder, parents and separator included (case-sensitive)',
};

export function readPath(context: IExecuteFunctions, itemIndex: number, parameter = 'path'): string {
	return readText(context, itemIndex, parameter);
}

/** Option of Move Email and Copy Email: create a missing destination instead of refusing. */
export const createFolderOption: INodeProperties = {
	displayName: 'Create Folder',
	name: 'createFolder',
	type: 'boolean',
	default: false,
	description: 'Whether to create the destination folder when it does not exist',
};
