package com.example.billing;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Billing service (test fixture). */
@SpringBootApplication
@RestController
public class BillingApplication {

    public static void main(String[] args) {
        SpringApplication.run(BillingApplication.class, args);
    }

    @GetMapping("/healthz")
    Map<String, String> healthz() {
        return Map.of("status", "ok");
    }
}
