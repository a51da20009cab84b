# frozen_string_literal: true

port ENV.fetch('PORT', 3000)
workers ENV.fetch('WEB_CONCURRENCY', 2)
