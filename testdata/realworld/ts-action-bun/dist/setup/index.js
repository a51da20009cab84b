"use strict";console.log("bundled setup");
