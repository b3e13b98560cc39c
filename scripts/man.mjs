export function generateManPages() {}
