import { isPrivateIp } from '../../nodes/mail/analysis/iocs';

describe('private addresses, kept apart from the indicators', () => {
	it.each([
		['10.0.0.0', true],
		['10.255.255.255', true],
		['11.0.0.0', false],
		['172.15.255.255', false],
		['172.16.0.0', true],
		['172.31.255.255', true],
		['172.32.0.0', false],
		['192.168.255.255', true],
		['192.169.0.0', false],
		['127.0.0.1', true],
		['169.254.3.4', true],
		['100.63.255.255', false],
		['100.64.0.0', true],
		['100.127.255.255', true],
		['100.128.0.0', false],
		['0.0.0.0', true],
		['0.0.0.1', false],
		['203.0.113.5', false],
		['8.8.8.8', false],
		['255.255.255.255', false],
		['::1', true],
		['::', true],
		['fe80::1', true],
		['febf::1', true],
		['fec0::1', false],
		['fd00::1', true],
		['2001:db8::1', false],
		['not an address', false],
	])('%s: %s', (address, expected) => {
		expect(isPrivateIp(address)).toBe(expected);
	});
});
