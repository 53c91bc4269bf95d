/** @type {import('next').NextConfig} */
const nextConfig = {
  // The dev server is reached as localhost:3000 or 127.0.0.1:3000.
  allowedDevOrigins: ["localhost", "127.0.0.1"],
};

export default nextConfig;
