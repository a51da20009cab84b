# frozen_string_literal: true

require 'rails/all'

module Townsquare
  class Application < Rails::Application
    config.load_defaults 7.2
  end
end
