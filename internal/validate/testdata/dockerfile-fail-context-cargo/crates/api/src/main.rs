fn main() { println!("{}", core::answer()); }
