import type { IExecuteFunctions } from 'n8n-workflow';

/** A text parameter of one item, '' when it is empty or unset (an expression may give null). */
export function readText(context: IExecuteFunctions, itemIndex: number, name: string): string {
	return String(context.getNodeParameter(name, itemIndex, '') ?? '');
}
