package org.example.pets;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class PetsApplication {
    public static void main(String[] args) {
        SpringApplication.run(PetsApplication.class, args);
    }
}
