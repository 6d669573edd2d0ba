package logsearchtest

// Mock outputs of the resources of the office's way in (a transit gateway
// attachment or a Site-to-Site VPN), shaped like AWS's answers.

import "strings"

// officeOutputs sets the computed outputs of a transit gateway
// attachment, a route, or a Site-to-Site VPN resource and returns its ID;
// ok is false for any other type.
func officeOutputs(typ, name string, set func(k string, v any)) (id string, ok bool) {
	switch typ {
	case "aws:ec2transitgateway/vpcAttachment:VpcAttachment":
		return "tgw-attach-" + name, true
	case "aws:ec2/route:Route":
		return "r-" + name, true
	case "aws:ec2/customerGateway:CustomerGateway":
		return "cgw-" + name, true
	case "aws:ec2/vpnGateway:VpnGateway":
		set("amazonSideAsn", "64512")
		return "vgw-" + name, true
	case "aws:ec2/vpnConnection:VpnConnection":
		// Tunnel outside addresses are AWS's public VPN endpoints, inside
		// addresses /30s of 169.254.0.0/16.
		set("tunnel1Address", "192.0.2.101")
		set("tunnel2Address", "192.0.2.102")
		set("tunnel1CgwInsideAddress", "169.254.10.2")
		set("tunnel1VgwInsideAddress", "169.254.10.1")
		set("tunnel2CgwInsideAddress", "169.254.11.2")
		set("tunnel2VgwInsideAddress", "169.254.11.1")
		set("tunnel1PresharedKey", PresharedKeyPrefix+"1")
		set("tunnel2PresharedKey", PresharedKeyPrefix+"2")
		set("customerGatewayConfiguration", "<vpn_connection><pre_shared_key>"+PresharedKeyPrefix+"1</pre_shared_key></vpn_connection>")
		return "vpn-" + name, true
	case "aws:ec2/vpnConnectionRoute:VpnConnectionRoute", "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation":
		return strings.ToLower(name), true
	}
	return "", false
}

// PresharedKeyPrefix starts both tunnels' mock pre-shared keys, so tests
// can look for them anywhere they must not be.
const PresharedKeyPrefix = "mockPSK_k3y_"
