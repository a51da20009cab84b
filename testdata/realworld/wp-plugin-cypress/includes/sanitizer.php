<?php
namespace SvgGuard;

function check_upload( $file ) {
	return $file;
}
