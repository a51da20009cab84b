package kit

// AzureClientIDPlaceholder stands for the app identity's client id in the
// ServiceAccount annotation; the AKS deploy workflow replaces it.
const AzureClientIDPlaceholder = "AZURE_APP_CLIENT_ID"

// The placeholders of the Cloud SQL Auth Proxy sidecar and the app's
// database settings, which the GKE deploy workflow replaces with the
// repository variables of the same names: the instance connection name,
// the login service account the proxy impersonates, its IAM database user
// and the database name.
const (
	GCPDBConnectionNamePlaceholder = "GCP_DB_CONNECTION_NAME"
	GCPDBServiceAccountPlaceholder = "GCP_DB_SERVICE_ACCOUNT"
	GCPDBUserPlaceholder           = "GCP_DB_USER"
	GCPDBNamePlaceholder           = "GCP_DB_NAME"
)
