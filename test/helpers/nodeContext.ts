import type {
	IBinaryData,
	IDataObject,
	IExecuteData,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';

export interface RunOptions {
	parameters: IDataObject;
	credentials: Record<string, unknown>;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	/** A value for one item, as an expression would give it; undefined falls back to `parameters`. */
	perItem?: (name: string, itemIndex: number) => unknown;
}

const node: INode = {
	id: 'test-node',
	name: 'Mailbox',
	type: 'n8n-nodes-mailbox.email',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/**
 * Runs a node's execute() the way n8n calls it, with parameters, credentials, input items and
 * binary helpers. It only stands in for n8n's plumbing; every mail still goes to the real servers.
 */
export async function runNode(nodeType: INodeType, options: RunOptions): Promise<INodeExecutionData[][]> {
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	// n8n's record of this node's run; the node keeps its wait state in its metadata.
	const executeData: IExecuteData = { node, data: { main: [items] }, source: null };
	const context = {
		getInputData: () => items,
		getExecuteData: () => executeData,
		getNode: () => node,
		getCredentials: async () => options.credentials,
		continueOnFail: () => options.continueOnFail ?? false,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			const own = options.perItem?.(name, itemIndex);
			if (own !== undefined) return own;
			const value = name
				.split('.')
				.reduce<unknown>((obj, key) => (obj as IDataObject | undefined)?.[key], options.parameters);
			if (value === undefined) {
				if (fallback !== undefined) return fallback;
				throw new Error(`Could not get parameter "${name}"`);
			}
			return value;
		},
		helpers: {
			getBinaryDataBuffer: async (itemIndex: number, property: string) => {
				const binary = items[itemIndex].binary?.[property];
				if (!binary) throw new Error(`no binary ${property}`);
				return Buffer.from(binary.data, 'base64');
			},
			prepareBinaryData: async (data: Buffer, fileName?: string, mimeType?: string): Promise<IBinaryData> => ({
				data: data.toString('base64'),
				fileName,
				mimeType: mimeType ?? 'application/octet-stream',
				fileSize: String(data.length),
			}),
		},
		logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
	} as unknown as IExecuteFunctions;
	return (await nodeType.execute!.call(context)) as INodeExecutionData[][];
}

export function binaryItem(property: string, content: Buffer, fileName: string, mimeType: string): INodeExecutionData {
	return { json: {}, binary: { [property]: { data: content.toString('base64'), fileName, mimeType } } };
}
