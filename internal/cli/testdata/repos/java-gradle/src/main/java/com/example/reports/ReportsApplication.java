package com.example.reports;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Reports service (test fixture); Spring Boot's default port 8080. */
@SpringBootApplication
@RestController
public class ReportsApplication {

    public static void main(String[] args) {
        SpringApplication.run(ReportsApplication.class, args);
    }

    @GetMapping("/healthz")
    Map<String, String> healthz() {
        return Map.of("status", "ok");
    }
}
