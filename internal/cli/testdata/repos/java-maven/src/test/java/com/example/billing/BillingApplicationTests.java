package com.example.billing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BillingApplicationTests {

    @Test
    void healthzIsOk() {
        assertThat(new BillingApplication().healthz()).containsEntry("status", "ok");
    }
}
