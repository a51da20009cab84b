package validate

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// GCP and Azure storage and database rules. Literal values only; an unset
// attribute counts as the provider's default.

var (
	ruleTFGCSUniform = register(Rule{
		ID: "terraform-gcs-uniform-access", Kind: KindTerraform, Severity: Error,
		Summary: "Cloud Storage buckets use uniform bucket-level access",
		Checkov: "CKV_GCP_29",
		Help:    "set uniform_bucket_level_access = true",
	})
	ruleTFGCSPublic = register(Rule{
		ID: "terraform-gcs-public-access-prevention", Kind: KindTerraform, Severity: Error,
		Summary: "Cloud Storage buckets enforce public access prevention",
		Help:    `set public_access_prevention = "enforced"`,
	})
	ruleTFSQLPublic = register(Rule{
		ID: "terraform-sql-public", Kind: KindTerraform, Severity: Error,
		Summary: "Cloud SQL instances do not authorize 0.0.0.0/0 on a public IP",
		Checkov: "CKV_GCP_11",
		Help:    "remove the 0.0.0.0/0 authorized network; use private IP or the Cloud SQL Auth Proxy",
	})
	ruleTFSQLSSL = register(Rule{
		ID: "terraform-sql-ssl", Kind: KindTerraform, Severity: Error,
		Summary: "Cloud SQL instances require TLS for connections",
		Checkov: "CKV_GCP_6",
		Help:    `in settings { ip_configuration { ... } } set ssl_mode = "ENCRYPTED_ONLY" (or require_ssl = true on older providers)`,
	})
	ruleTFAzureStorageTLS = register(Rule{
		ID: "terraform-azure-storage-tls", Kind: KindTerraform, Severity: Error,
		Summary: "Azure storage accounts accept TLS 1.2 or later only",
		Checkov: "CKV_AZURE_44",
		Help:    `set min_tls_version = "TLS1_2"`,
	})
	ruleTFAzureStoragePublic = register(Rule{
		ID: "terraform-azure-storage-public", Kind: KindTerraform, Severity: Error,
		Summary: "Azure storage accounts allow no public blobs and no public network access",
		Help:    "set allow_nested_items_to_be_public = false and public_network_access_enabled = false (use private endpoints)",
	})
	ruleTFAzurePostgresPublic = register(Rule{
		ID: "terraform-azure-postgres-public", Kind: KindTerraform, Severity: Error,
		Summary: "Azure PostgreSQL flexible servers disable public network access",
		Help:    "set public_network_access_enabled = false and use a delegated subnet or a private endpoint",
	})
)

func init() {
	tfChecks = append(tfChecks, tfCheckGCS, tfCheckCloudSQL, tfCheckAzureStorage, tfCheckAzurePostgres)
}

// tfRequireBool reports a finding unless a literal bool attribute has the
// wanted value; an unset attribute counts as def.
func tfRequireBool(p string, b *hclsyntax.Block, r Rule, name string, want, def bool) []Finding {
	v, attr, ok := tfBool(b.Body, name)
	if attr != nil && !ok {
		return nil // not a literal: not judged
	}
	if attr == nil {
		v = def
	}
	if v == want {
		return nil
	}
	line, col := tfPos(attr, b)
	if attr == nil {
		return []Finding{r.at(p, line, col, "%s does not set %s = %t (the default is %t)", tfName(b), name, want, def)}
	}
	return []Finding{r.at(p, line, col, "%s sets %s = %t", tfName(b), name, v)}
}

// tfCheckGCS checks google_storage_bucket access settings.
func tfCheckGCS(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "google_storage_bucket") {
		out = append(out, tfRequireBool(p, b, ruleTFGCSUniform, "uniform_bucket_level_access", true, false)...)
		pap, attr, ok := tfString(b.Body, "public_access_prevention")
		switch {
		case attr == nil:
			line, col := tfPos(nil, b)
			out = append(out, ruleTFGCSPublic.at(p, line, col, "%s does not set public_access_prevention = \"enforced\"", tfName(b)))
		case ok && pap != "enforced":
			line, col := tfPos(attr, b)
			out = append(out, ruleTFGCSPublic.at(p, line, col, "%s sets public_access_prevention = %q", tfName(b), pap))
		}
	}
	return out
}

// tfCheckCloudSQL checks google_sql_database_instance networking.
func tfCheckCloudSQL(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "google_sql_database_instance") {
		settings := tfBlocks(b.Body, "settings")
		if len(settings) == 0 {
			continue
		}
		ipcs := tfBlocks(settings[0].Body, "ip_configuration")
		if len(ipcs) == 0 {
			line, col := tfPos(nil, settings[0])
			out = append(out, ruleTFSQLSSL.at(p, line, col, "%s has no ip_configuration requiring TLS (ssl_mode)", tfName(b)))
			continue
		}
		ipc := ipcs[0]
		ipv4, ipv4Attr, ipv4Known := tfBool(ipc.Body, "ipv4_enabled")
		if ipv4Attr == nil {
			ipv4, ipv4Known = true, true
		}
		if ipv4Known && ipv4 {
			for _, an := range tfBlocks(ipc.Body, "authorized_networks") {
				if v, attr, ok := tfString(an.Body, "value"); ok && (v == "0.0.0.0/0" || v == "::/0") {
					line, col := tfPos(attr, an)
					out = append(out, ruleTFSQLPublic.at(p, line, col, "%s authorizes %s on its public IP", tfName(b), v))
				}
			}
		}
		mode, modeAttr, modeOK := tfString(ipc.Body, "ssl_mode")
		req, reqAttr, reqOK := tfBool(ipc.Body, "require_ssl")
		switch {
		case modeOK && (mode == "ENCRYPTED_ONLY" || mode == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"):
		case reqOK && req:
		case (modeAttr != nil && !modeOK) || (reqAttr != nil && !reqOK):
			// not a literal: not judged
		default:
			line, col := tfPos(modeAttr, ipc)
			out = append(out, ruleTFSQLSSL.at(p, line, col, "%s does not require TLS: set ssl_mode = \"ENCRYPTED_ONLY\"", tfName(b)))
		}
	}
	return out
}

// tfCheckAzureStorage checks azurerm_storage_account TLS and public access.
func tfCheckAzureStorage(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "azurerm_storage_account") {
		if v, attr, ok := tfString(b.Body, "min_tls_version"); ok && v != "TLS1_2" && v != "TLS1_3" {
			line, col := tfPos(attr, b)
			out = append(out, ruleTFAzureStorageTLS.at(p, line, col, "%s sets min_tls_version = %q", tfName(b), v))
		}
		out = append(out, tfRequireBool(p, b, ruleTFAzureStoragePublic, "allow_nested_items_to_be_public", false, true)...)
		out = append(out, tfRequireBool(p, b, ruleTFAzureStoragePublic, "public_network_access_enabled", false, true)...)
	}
	return out
}

// tfCheckAzurePostgres checks azurerm_postgresql_flexible_server access.
func tfCheckAzurePostgres(p string, body *hclsyntax.Body) []Finding {
	var out []Finding
	for _, b := range tfResources(body, "azurerm_postgresql_flexible_server") {
		out = append(out, tfRequireBool(p, b, ruleTFAzurePostgresPublic, "public_network_access_enabled", false, true)...)
	}
	return out
}
