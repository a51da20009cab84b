resource "azurerm_storage_account" "assets" {
  name                            = "exampleassets"
  resource_group_name             = var.resource_group
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = false
}

resource "azurerm_postgresql_flexible_server" "db" {
  name                          = "example-db"
  resource_group_name           = var.resource_group
  location                      = "westeurope"
  version                       = "16"
  public_network_access_enabled = false
}

resource "azurerm_network_security_rule" "https" {
  name                        = "https"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = var.resource_group
  network_security_group_name = "web"
}
