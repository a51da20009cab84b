pub fn touch() {}
