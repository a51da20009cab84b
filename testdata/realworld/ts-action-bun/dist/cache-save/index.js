"use strict";console.log("bundled cache-save");
