describe('Admin', () => {
  it('loads the plugin page', () => {
    cy.visit('/wp-admin/plugins.php');
  });
});
