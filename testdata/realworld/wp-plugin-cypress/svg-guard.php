<?php
/**
 * Plugin Name: SVG Guard
 * Description: Sanitises SVG uploads.
 * Version: 2.3.0
 */

namespace SvgGuard;

require_once __DIR__ . '/includes/sanitizer.php';

add_filter( 'wp_handle_upload_prefilter', __NAMESPACE__ . '\\check_upload' );
