package validate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// terraform-open-ingress: SSH (22) or RDP (3389) open to the whole internet
// in AWS security groups, GCP firewalls and Azure network security rules.

var ruleTFOpenIngress = register(Rule{
	ID: "terraform-open-ingress", Kind: KindTerraform, Severity: Error,
	Summary: "no ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
	Checkov: "CKV_AWS_24, CKV_AWS_25, CKV_GCP_2, CKV_GCP_3, CKV_AZURE_9, CKV_AZURE_10",
	Help:    "restrict the source to a known CIDR or reach the hosts through a bastion, SSM Session Manager or IAP",
})

// tfAdminPorts are the ports that must not be open to the world.
var tfAdminPorts = []int64{22, 3389}

func init() {
	tfChecks = append(tfChecks, tfCheckOpenIngress)
}

// tfCheckOpenIngress runs the open-ingress rule over all supported
// resource types.
func tfCheckOpenIngress(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	report := func(b *hclsyntax.Block, at *hclsyntax.Block, ports []int64, src string) {
		line, col := tfPos(nil, at)
		out = append(out, ruleTFOpenIngress.at(p, line, col, "%s allows ingress from %s to port %s", tfName(b), src, joinPorts(ports)))
	}
	for _, b := range tfResources(body, "aws_security_group") {
		for _, in := range tfBlocks(b.Body, "ingress") {
			if ports, src := tfAWSRuleOpen(in.Body, "protocol"); len(ports) > 0 {
				report(b, in, ports, src)
			}
		}
	}
	for _, b := range tfResources(body, "aws_security_group_rule") {
		if t, _, ok := tfString(b.Body, "type"); !ok || t != "ingress" {
			continue
		}
		if ports, src := tfAWSRuleOpen(b.Body, "protocol"); len(ports) > 0 {
			report(b, b, ports, src)
		}
	}
	for _, b := range tfResources(body, "aws_vpc_security_group_ingress_rule") {
		if ports, src := tfAWSRuleOpen(b.Body, "ip_protocol"); len(ports) > 0 {
			report(b, b, ports, src)
		}
	}
	for _, b := range tfResources(body, "google_compute_firewall") {
		if ports, src := tfGCPFirewallOpen(b.Body); len(ports) > 0 {
			report(b, b, ports, src)
		}
	}
	for _, b := range tfResources(body, "azurerm_network_security_rule") {
		if ports, src := tfAzureRuleOpen(b.Body); len(ports) > 0 {
			report(b, b, ports, src)
		}
	}
	for _, b := range tfResources(body, "azurerm_network_security_group") {
		for _, r := range tfBlocks(b.Body, "security_rule") {
			if ports, src := tfAzureRuleOpen(r.Body); len(ports) > 0 {
				report(b, r, ports, src)
			}
		}
	}
	return out
}

// tfOpenSource returns the world-open CIDR among literal source lists.
func tfOpenSource(body *hclsyntax.Body, names ...string) string {
	for _, n := range names {
		list, ok := tfStrings(body, n)
		if !ok {
			continue
		}
		for _, s := range list {
			switch strings.TrimSpace(s) {
			case "0.0.0.0/0", "::/0", "*", "Internet", "Any", "0.0.0.0":
				return s
			}
		}
	}
	return ""
}

// tfAWSRuleOpen returns the admin ports an AWS ingress rule opens to the
// world, and the open source.
func tfAWSRuleOpen(body *hclsyntax.Body, protoAttr string) ([]int64, string) {
	src := tfOpenSource(body, "cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6")
	if src == "" {
		return nil, ""
	}
	proto, _, protoKnown := tfString(body, protoAttr)
	if !protoKnown {
		if n, ok := tfNumber(body, protoAttr); ok {
			proto, protoKnown = strconv.FormatInt(n, 10), true
		}
	}
	if protoKnown && (proto == "-1" || proto == "all") {
		return tfAdminPorts, src
	}
	if protoKnown && proto != "tcp" && proto != "6" {
		return nil, ""
	}
	from, ok1 := tfNumber(body, "from_port")
	to, ok2 := tfNumber(body, "to_port")
	if !ok1 || !ok2 {
		return nil, ""
	}
	return portsInRange(from, to), src
}

// tfGCPFirewallOpen returns the admin ports a GCP firewall opens to the
// world.
func tfGCPFirewallOpen(body *hclsyntax.Body) ([]int64, string) {
	if dir, attr, ok := tfString(body, "direction"); (ok && strings.ToUpper(dir) != "INGRESS") || (attr != nil && !ok) {
		return nil, ""
	}
	if off, _, ok := tfBool(body, "disabled"); ok && off {
		return nil, ""
	}
	src := tfOpenSource(body, "source_ranges")
	if src == "" {
		return nil, ""
	}
	seen := map[int64]bool{}
	for _, allow := range tfBlocks(body, "allow") {
		proto, _, ok := tfString(allow.Body, "protocol")
		if !ok || (proto != "tcp" && proto != "all" && proto != "6") {
			continue
		}
		ports, present := allow.Body.Attributes["ports"], true
		if ports == nil {
			present = false
		}
		if !present {
			for _, p := range tfAdminPorts {
				seen[p] = true
			}
			continue
		}
		specs, ok := tfStrings(allow.Body, "ports")
		if !ok {
			continue
		}
		for _, s := range specs {
			for _, p := range portSpecHits(s) {
				seen[p] = true
			}
		}
	}
	return sortedPorts(seen), src
}

// tfAzureRuleOpen returns the admin ports an Azure rule opens to the world.
func tfAzureRuleOpen(body *hclsyntax.Body) ([]int64, string) {
	dir, _, ok1 := tfString(body, "direction")
	access, _, ok2 := tfString(body, "access")
	if !ok1 || !ok2 || !strings.EqualFold(dir, "Inbound") || !strings.EqualFold(access, "Allow") {
		return nil, ""
	}
	if proto, _, ok := tfString(body, "protocol"); ok && !strings.EqualFold(proto, "Tcp") && proto != "*" {
		return nil, ""
	}
	src := tfOpenSource(body, "source_address_prefix", "source_address_prefixes")
	if src == "" {
		return nil, ""
	}
	seen := map[int64]bool{}
	for _, n := range []string{"destination_port_range", "destination_port_ranges"} {
		specs, ok := tfStrings(body, n)
		if !ok {
			continue
		}
		for _, s := range specs {
			for _, p := range portSpecHits(s) {
				seen[p] = true
			}
		}
	}
	return sortedPorts(seen), src
}

// portSpecHits returns the admin ports a port spec ("22", "20-30", "*")
// covers.
func portSpecHits(spec string) []int64 {
	spec = strings.TrimSpace(spec)
	if spec == "*" {
		return tfAdminPorts
	}
	a, b, isRange := strings.Cut(spec, "-")
	from, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	}
	if err1 != nil || err2 != nil {
		return nil
	}
	return portsInRange(from, to)
}

// portsInRange returns the admin ports within [from, to].
func portsInRange(from, to int64) []int64 {
	var out []int64
	for _, p := range tfAdminPorts {
		if from <= p && p <= to {
			out = append(out, p)
		}
	}
	return out
}

func sortedPorts(seen map[int64]bool) []int64 {
	var out []int64
	for _, p := range tfAdminPorts {
		if seen[p] {
			out = append(out, p)
		}
	}
	return out
}

func joinPorts(ports []int64) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, " and ")
}
